// Module Data: image codecs, dataset layouts, synthetic generator, transforms, PK sampler, loader.
// See DEVELOPERS.md for the module map; docs/ holds the module guides.
