// Module Distill: teacher wrapper, KD and feature losses, trainer, sweep planner and runner.
// See DEVELOPERS.md for the module map; docs/ holds the module guides.
