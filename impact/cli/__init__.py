"""The `impact` commands: thin layers over the packages below, one module per role."""
