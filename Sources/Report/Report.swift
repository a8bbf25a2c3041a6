// Module Report: comparison tables, plots, rank-list images.
// See DEVELOPERS.md for the module map; docs/ holds the module guides.
