// One error type for the export: a one-line message naming the file, run or module and the fix.
public struct ExportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
