// Errors for everything that handles user input in Eval (files, ids, options). Each message names
// the file or argument at fault and says how to fix it; the CLI prints `description` as is.

public struct EvalError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}
