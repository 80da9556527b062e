"""python -m pocketstack"""

from pocketstack.cli.main import main

main()
