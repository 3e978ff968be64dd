#!/usr/bin/env bash
# The postrun GitHub Action's step (action.yml): install postrun, run the collections with
# JUnit, HTML and JSON reports, record the exit status as an output and exit with it.
# Runs anywhere bash does: tests/cli/test_ci_glue.py runs it locally.
set -uo pipefail

paths="${INPUT_PATHS:-collections/}"
args="${INPUT_ARGS:-}"
install="${INPUT_INSTALL:-}"
report_dir="${INPUT_REPORT_DIR:-postrun-reports}"
output="${GITHUB_OUTPUT:-/dev/null}"

case "$install" in
    none) ;;
    "") python -m pip install --quiet --disable-pip-version-check "${POSTRUN_ACTION_PATH:?}" || exit 2 ;;
    *) python -m pip install --quiet --disable-pip-version-check "$install" || exit 2 ;;
esac

mkdir -p "$report_dir" || exit 2
echo "report-dir=$report_dir" >> "$output"

# Word splitting is wanted here: paths and args are lists separated by spaces.
read -r -a path_list <<< "$paths"
read -r -a arg_list <<< "$args"
postrun run "${path_list[@]}" "${arg_list[@]}" \
    --report "junit:$report_dir/results.xml" \
    --report "html:$report_dir/report.html" \
    --report "json:$report_dir/report.json"
status=$?
echo "exit-code=$status" >> "$output"
exit "$status"
