from breeze_infra.cli import main

raise SystemExit(main())
