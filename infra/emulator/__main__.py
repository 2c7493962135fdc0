from infra.emulator.cli import main

raise SystemExit(main())
