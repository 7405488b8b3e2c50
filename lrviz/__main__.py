import sys

try:
    from lrviz.cli import main  # imports torch: a Ctrl-C may come while it loads
except KeyboardInterrupt:
    print("lrviz: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
