"""Demo data of the reference station (玉津派出所 of 犍为县公安局) and of a whole county, and the commands
that load and run it (`fengqiao demo`, `fengqiao rundemo`).

A Django app without models, so no production app holds demo code: `generator.load` writes the
registry and the staff, then each part's module here (`incidents`, `disputes`, `cases`, …, in the order of
`generator.PART_DEMOS`); `county.load` writes the county of N stations for scale tests."""
