//! Several outputs from one run: `--format` is repeatable and each `-o FILE`
//! goes with the `--format` before it on the command line
//! (`--format json -o report.json --format markdown -o comment.md`).
//!
//! An `-o` before any `--format` goes with the first format (so
//! `-o report.json --format json` works as it always did); a format without
//! `-o` (or with `-o -`) goes to standard output, which at most one format may do.

use std::path::PathBuf;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use super::{Cli, Command};

/// Where `--format` and `-o` values stood on the command line (clap's indices).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions {
    pub format: Vec<usize>,
    pub output: Vec<usize>,
}

impl Positions {
    fn from_matches(matches: &ArgMatches) -> Self {
        let indices = |id: &str| -> Vec<usize> {
            matches
                .try_get_raw(id)
                .ok()
                .flatten()
                .and_then(|_| matches.indices_of(id))
                .map(Iterator::collect)
                .unwrap_or_default()
        };
        Self {
            format: indices("format"),
            output: indices("output"),
        }
    }
}

/// Parses the command line, recording where each `--format` and `-o` stood.
pub fn parse() -> Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    match (&mut cli.command, matches.subcommand()) {
        (Command::Scan(args), Some(("scan", sub))) => args.positions = Positions::from_matches(sub),
        (Command::Diff(args), Some(("diff", sub))) => args.positions = Positions::from_matches(sub),
        _ => {}
    }
    Ok(cli)
}

/// Pairs formats with outputs (`None`: standard output).
pub fn plan<F: Copy + PartialEq + std::fmt::Debug>(
    formats: &[F],
    outputs: &[PathBuf],
    positions: &Positions,
    default: F,
    name: impl Fn(F) -> String,
) -> Result<Vec<(F, Option<PathBuf>)>, String> {
    let known = formats.is_empty() || positions.format.len() == formats.len();
    let known = known && positions.output.len() == outputs.len();
    let (formats, format_at): (Vec<F>, Vec<usize>) = if formats.is_empty() {
        (vec![default], vec![0])
    } else if known {
        (formats.to_vec(), positions.format.clone())
    } else {
        // No positions (arguments built programmatically): pair in order.
        (
            formats.to_vec(),
            (0..formats.len()).map(|i| i * 2).collect(),
        )
    };
    let output_at: Vec<usize> = if known {
        positions.output.clone()
    } else {
        (0..outputs.len()).map(|i| i * 2 + 1).collect()
    };
    let mut plan: Vec<(F, Option<PathBuf>)> = formats.iter().map(|f| (*f, None)).collect();
    for (output, at) in outputs.iter().zip(output_at) {
        // The last --format before this -o; the first one when none is.
        let slot = format_at.iter().rposition(|&f| f < at).unwrap_or(0);
        if let Some(previous) = &plan[slot].1 {
            return Err(format!(
                "two outputs for `--format {}`: `{}` and `{}` (give one `-o` after each `--format`)",
                name(plan[slot].0),
                previous.display(),
                output.display()
            ));
        }
        plan[slot].1 = Some(output.clone());
    }
    for entry in &mut plan {
        if entry.1.as_deref() == Some(std::path::Path::new("-")) {
            entry.1 = None;
        }
    }
    let to_stdout: Vec<String> = plan
        .iter()
        .filter(|(_, o)| o.is_none())
        .map(|(f, _)| format!("`--format {}`", name(*f)))
        .collect();
    if to_stdout.len() > 1 {
        return Err(format!(
            "{} would all print to standard output: give all but one of them `-o FILE`",
            to_stdout.join(", ")
        ));
    }
    for (i, (_, a)) in plan.iter().enumerate() {
        if let Some(a) = a {
            if plan[i + 1..].iter().any(|(_, b)| b.as_ref() == Some(a)) {
                return Err(format!("`{}` is the output of two formats", a.display()));
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        formats: &[&'static str],
        outputs: &[&str],
        positions: Option<(Vec<usize>, Vec<usize>)>,
    ) -> Result<Vec<(&'static str, Option<String>)>, String> {
        let positions = positions
            .map(|(format, output)| Positions { format, output })
            .unwrap_or_default();
        let outputs: Vec<PathBuf> = outputs.iter().map(PathBuf::from).collect();
        plan(formats, &outputs, &positions, "table", |f| f.to_string()).map(|p| {
            p.into_iter()
                .map(|(f, o)| (f, o.map(|o| o.display().to_string())))
                .collect()
        })
    }

    #[test]
    fn default_and_single() {
        assert_eq!(run(&[], &[], None).unwrap(), vec![("table", None)]);
        assert_eq!(
            run(&[], &["out.txt"], Some((vec![], vec![3]))).unwrap(),
            vec![("table", Some("out.txt".into()))]
        );
        // `-o report.json --format json`: the -o before the only format.
        assert_eq!(
            run(&["json"], &["r.json"], Some((vec![5], vec![3]))).unwrap(),
            vec![("json", Some("r.json".into()))]
        );
    }

    #[test]
    fn each_output_follows_its_format() {
        // --format json -o r.json --format markdown -o c.md
        assert_eq!(
            run(
                &["json", "markdown"],
                &["r.json", "c.md"],
                Some((vec![2, 6], vec![4, 8]))
            )
            .unwrap(),
            vec![
                ("json", Some("r.json".into())),
                ("markdown", Some("c.md".into()))
            ]
        );
        // --format json --format markdown -o c.md: json to stdout.
        assert_eq!(
            run(
                &["json", "markdown"],
                &["c.md"],
                Some((vec![2, 4], vec![6]))
            )
            .unwrap(),
            vec![("json", None), ("markdown", Some("c.md".into()))]
        );
        // Without positions: in order.
        assert_eq!(
            run(&["json", "sarif"], &["a", "b"], None).unwrap(),
            vec![("json", Some("a".into())), ("sarif", Some("b".into()))]
        );
        // `-o -` is standard output.
        assert_eq!(
            run(
                &["json", "sarif"],
                &["-", "b"],
                Some((vec![2, 6], vec![4, 8]))
            )
            .unwrap(),
            vec![("json", None), ("sarif", Some("b".into()))]
        );
    }

    #[test]
    fn ambiguous_plans_are_errors() {
        let two_stdout = run(&["json", "markdown"], &[], Some((vec![2, 4], vec![]))).unwrap_err();
        assert!(two_stdout.contains("standard output"), "{two_stdout}");
        let two_outputs = run(
            &["json", "sarif"],
            &["a", "b"],
            Some((vec![2, 8], vec![4, 6])),
        )
        .unwrap_err();
        assert!(
            two_outputs.contains("two outputs for `--format json`"),
            "{two_outputs}"
        );
        let same = run(
            &["json", "sarif"],
            &["a", "a"],
            Some((vec![2, 6], vec![4, 8])),
        )
        .unwrap_err();
        assert!(same.contains("output of two formats"), "{same}");
    }
}
