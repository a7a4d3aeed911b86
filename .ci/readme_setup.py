"""The README's two set-up commands, the one place they are read from.

`python .ci/readme_setup.py run` prints the command that runs the main job on a sample,
`python .ci/readme_setup.py test` the one that installs the test dependencies and runs the tests.
`.ci/run` executes them as written, and tests/test_docs.py checks them through `setup_commands`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
#: what each of the two commands is for, in the README's order
PURPOSES = ("run", "test")


def setup_commands(readme: str | None = None) -> list[str]:
    """The shell commands of the README's Set-up section, in order."""
    text = README.read_text(encoding="utf-8") if readme is None else readme
    section = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.DOTALL)


def main(argv: list[str]) -> int:
    """Print the command named by argv[0] (`run` or `test`)."""
    if len(argv) != 1 or argv[0] not in PURPOSES:
        print(f"usage: readme_setup.py {{{'|'.join(PURPOSES)}}}", file=sys.stderr)
        return 2
    commands = setup_commands()
    if len(commands) != len(PURPOSES):
        print(f"README.md's Set-up has {len(commands)} commands, not 2", file=sys.stderr)
        return 1
    print(commands[PURPOSES.index(argv[0])])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
