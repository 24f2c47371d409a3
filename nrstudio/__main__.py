from nrstudio.cli import main

raise SystemExit(main())
