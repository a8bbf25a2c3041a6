// The one error type of checkpoint reading/writing/loading. Messages name the file and, where
// there is one, the tensor, and say what to do.

public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}
