// Module Eval: feature extraction, distances, CMC/mAP/mINP/ROC, re-ranking, query expansion.
// See DEVELOPERS.md for the module map; docs/ holds the module guides.
