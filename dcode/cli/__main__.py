from dcode.cli.app import main

main()
