// Module NN: layers, backbones, poolings, heads, losses, optimizers, schedulers, checkpoints, configs.
// See DEVELOPERS.md for the module map; docs/ holds the module guides.
