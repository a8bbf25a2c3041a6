// Module Export: safetensors, ONNX, model card, parity checks.
// See DEVELOPERS.md for the module map; docs/ holds the module guides.
