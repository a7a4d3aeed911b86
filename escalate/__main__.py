"""`python -m escalate`: the same command line as the installed `escalate` script."""

from escalate._cli import main

if __name__ == "__main__":
    main(prog_name="escalate")
