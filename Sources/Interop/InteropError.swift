// The one error type of reading other tools' files (PyTorch checkpoints, FastReID configs,
// torchvision weights). Messages name the file and, where there is one, the key, entry or byte
// offset, and say what to do.

public struct InteropError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
