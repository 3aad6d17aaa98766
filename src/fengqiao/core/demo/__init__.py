"""Demo data of the reference station (玉津派出所 of 犍为县公安局): see generator.load and `fengqiao demo`."""
