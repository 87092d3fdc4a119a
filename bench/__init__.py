"""Benchmarks: plain scripts, each with a `main()` printing `name | value | baseline | ratio` rows."""
