# Sourced by scripts/test and scripts/demo from the repository root: creates .venv if missing,
# installs Scopecraft editable with its test extra (again only when pyproject.toml has changed),
# and puts .venv/bin first on PATH.
venv="$PWD/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv" >&2
  python3 -m venv "$venv"
fi
stamp="$venv/.scopecraft-pyproject.sha256"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$venv/bin/scopecraft" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing scopecraft[test] into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
  echo "$wanted" >"$stamp"
fi
export PATH="$venv/bin:$PATH"
