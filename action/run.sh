#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it): scan the head and the base
# of a pull request, diff them, write the step summary and annotations,
# create or update one comment, and fail past fail-on-increase-mib.
#
# Everything comes in through the environment (no ${{ }} in scripts):
#   INPUT_PATH, INPUT_FAIL_ON_INCREASE_MIB, INPUT_COMMENT, INPUT_ARGS,
#   INPUT_COMMENT_AUTHOR, GH_TOKEN, and the runner's GITHUB_* variables.
#   DAGSTER_FOOTPRINT_BIN: the binary (default: `dagster-footprint` on PATH).
# Needs bash, git, jq and gh (all on GitHub's hosted runners).
#
# Exit code: 0, or 1 when a pod grew past fail-on-increase-mib, or when a
# scan or the diff failed.
set -euo pipefail
set -f # INPUT_ARGS is split on whitespace; never glob it

bin="${DAGSTER_FOOTPRINT_BIN:-dagster-footprint}"
scan_path="${INPUT_PATH:-.}"
limit="${INPUT_FAIL_ON_INCREASE_MIB:-}"
want_comment="${INPUT_COMMENT:-true}"
comment_author="${INPUT_COMMENT_AUTHOR:-github-actions[bot]}"
workspace="${GITHUB_WORKSPACE:-$PWD}"
repository="${GITHUB_REPOSITORY:-}"
server="${GITHUB_SERVER_URL:-https://github.com}"
marker='<!-- dagster-footprint -->'
# GitHub Enterprise Server: gh talks to the server the workflow runs on.
if [ -z "${GH_HOST:-}" ] && [ "$server" != "https://github.com" ]; then
  export GH_HOST="${server#https://}"
fi

read -r -a extra_args <<< "${INPUT_ARGS:-}" || true

out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/dagster-footprint"
rm -rf "$out"
mkdir -p "$out"

note() { printf '%s\n' "$*" >&2; }
# A workflow command's message: escape %, CR and LF as the runner expects.
command_data() {
  local s="$1"
  s="${s//'%'/%25}"
  s="${s//$'\r'/%0D}"
  s="${s//$'\n'/%0A}"
  printf '%s' "$s"
}
output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"; fi
}

case "$want_comment" in
  true | false) ;;
  *) echo "::error title=dagster-footprint::$(command_data "input \`comment\` must be true or false, not \`$want_comment\`")"; exit 1 ;;
esac
if [ -n "$limit" ] && ! [[ "$limit" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "::error title=dagster-footprint::$(command_data "input \`fail-on-increase-mib\` must be a number of MiB, not \`$limit\`")"
  exit 1
fi

# The pull request, from the event payload. Values are checked before use.
pr_number=""
base_sha=""
head_sha=""
if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
  pr_number="$(jq -r '.pull_request.number // .issue.number // empty' "$GITHUB_EVENT_PATH")"
  base_sha="$(jq -r '.pull_request.base.sha // empty' "$GITHUB_EVENT_PATH")"
  head_sha="$(jq -r '.pull_request.head.sha // empty' "$GITHUB_EVENT_PATH")"
fi
[[ "$pr_number" =~ ^[0-9]+$ ]] || pr_number=""
[[ "$base_sha" =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]] || base_sha=""
[[ "$head_sha" =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]] || head_sha="${GITHUB_SHA:-}"
[[ "$head_sha" =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]] || head_sha=""
[[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || repository=""

scan() { # scan DIR REPORT: `scan --format json` of $scan_path, run from DIR
  (cd "$1" && "$bin" scan "$scan_path" "${extra_args[@]}" --format json -o "$2" --fail-on never --quiet)
}

cd "$workspace"
if ! scan "$workspace" "$out/head.json"; then
  echo "::error title=dagster-footprint::$(command_data "scanning \`$scan_path\` failed (see the log above)")"
  exit 1
fi
output report "$out/head.json"

# The base, in a worktree at the base commit.
base_ok=false
if [ -n "$base_sha" ]; then
  if ! git cat-file -e "$base_sha^{commit}" 2>/dev/null; then
    git fetch --no-tags --quiet --depth=1 origin "$base_sha" || true
  fi
  git worktree prune 2>/dev/null || true
  if git cat-file -e "$base_sha^{commit}" 2>/dev/null \
    && git worktree add --quiet --detach "$out/base-tree" "$base_sha"; then
    trap 'git -C "$workspace" worktree remove --force "$out/base-tree" >/dev/null 2>&1 || true' EXIT
    if scan "$out/base-tree" "$out/base.json"; then
      base_ok=true
    else
      note "dagster-footprint: scanning the base ($base_sha) failed; reporting the head only"
    fi
  else
    note "dagster-footprint: the base commit $base_sha is not available; reporting the head only"
  fi
else
  note "dagster-footprint: no pull request in the event; reporting the head only"
fi

links=()
if [ -n "$repository" ] && [ -n "$head_sha" ]; then
  links=(--repo-url "$server/$repository" --sha "$head_sha")
fi

exceeded=false
status=0
if $base_ok; then
  fail_args=()
  [ -n "$limit" ] && fail_args=(--fail-on-increase-mib "$limit")
  set +e
  "$bin" diff "$out/base.json" "$out/head.json" "${links[@]}" "${fail_args[@]}" \
    --format markdown -o "$out/comment.md" \
    --format json -o "$out/diff.json" \
    --format github -o "$out/annotations.txt"
  status=$?
  set -e
  case "$status" in
    0) ;;
    1) exceeded=true ;;
    *) echo "::error title=dagster-footprint::diff failed (exit $status)"; exit 1 ;;
  esac
  output diff "$out/diff.json"
  output delta-mib "$(jq -r '.summary.delta_mib' "$out/diff.json")"
else
  "$bin" scan "$scan_path" "${extra_args[@]}" --fail-on never --quiet \
    --format markdown -o "$out/comment.md" \
    --format github -o "$out/annotations.txt"
  output delta-mib ""
fi
output comment "$out/comment.md"
output exceeded "$exceeded"

# Annotations (workflow commands on stdout), the step summary.
cat "$out/annotations.txt"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$out/comment.md" >> "$GITHUB_STEP_SUMMARY"
fi

# One sticky comment: update ours (found by the marker) or create it.
if [ "$want_comment" = true ] && [ -n "$pr_number" ] && [ -n "$repository" ]; then
  jq -n --rawfile body "$out/comment.md" '{body: $body}' > "$out/comment.json"
  existing=""
  if listing="$(gh api --paginate "repos/$repository/issues/$pr_number/comments?per_page=100")"; then
    existing="$(printf '%s' "$listing" | jq -s -r --arg marker "$marker" --arg author "$comment_author" '
      [.[] | if type == "array" then .[] else . end
       | select((.body // "") | startswith($marker))
       | select(.user.login == $author)
       | .id] | first // empty')"
  else
    note "dagster-footprint: cannot list the comments of #$pr_number"
  fi
  posted=false
  if [[ "$existing" =~ ^[0-9]+$ ]]; then
    if gh api --method PATCH "repos/$repository/issues/comments/$existing" --input "$out/comment.json" > /dev/null; then
      posted=true
      note "dagster-footprint: updated comment $existing"
    fi
  fi
  if ! $posted; then
    if gh api --method POST "repos/$repository/issues/$pr_number/comments" --input "$out/comment.json" > /dev/null; then
      note "dagster-footprint: commented on #$pr_number"
    else
      # Pull requests from forks get a read-only token: not a failure of the check.
      echo "::warning title=dagster-footprint::cannot comment on #$pr_number (a read-only token, as on pull requests from forks?); the result is in the job summary"
    fi
  fi
fi

if $exceeded; then
  over="$(jq -r '.threshold.exceeded | join(", ")' "$out/diff.json")"
  echo "::error title=dagster-footprint::$(command_data "code-location pods grew by more than $limit MiB: $over")"
  exit 1
fi
exit 0
