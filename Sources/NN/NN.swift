// Module NN: layers, backbones, poolings, heads, losses (Module*, Layers, Backbones, Poolings,
// Heads, Losses, Models) and optimizers, schedules, checkpoints, configs (Optim, Schedule,
// Checkpoint, Config). docs/MODELS.md is the guide to the model half.
