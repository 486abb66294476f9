"""``python -m scaling_cli`` runs the same CLI as the ``scaling`` command."""

from scaling_cli.cli import main

if __name__ == "__main__":
    main()
