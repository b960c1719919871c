use std::process::ExitCode;

fn main() -> ExitCode {
    dagster_footprint::cli::main()
}
