// A check every YAML text passes before Yams composes it: alias expansion is bounded, and a
// syntax error or a key set twice becomes one line (Yams reports those as multi-line dumps). Yams resolves an alias to the anchored node itself, so a
// 1 KB file of nested aliases (a "billion laughs") composes quickly into a shared tree — and
// then hangs whatever walks it: hashing mapping keys while composing, `Yams.load` building
// dictionaries, printing it back. Aliases are only visible as references in libyaml's event
// stream, so this walks those events (linear in the text; nothing is expanded) and adds up
// how many nodes the document would hold with every alias expanded.
//
// libyaml is the CYaml module that Yams builds and links; it is not a product of the Yams
// package, so it is reachable here as a module of the same build, not as a declared
// dependency. Should Yams stop shipping it under that name, this file fails to compile —
// loudly, not silently.
import CYaml
import Support

public enum YAMLGuard {
    /// Nodes (scalars, lists, mappings) a document may hold with every alias expanded. The
    /// default config has ~200 keys and the largest sweep file a few hundred nodes; this leaves
    /// room for honest anchors while a 1 KB bomb (9⁹ ≈ 387 million nodes) stops within
    /// a few hundred events.
    public static let maxExpandedNodes = 100_000
    /// Nesting depth of lists and mappings (configs nest 4 deep; Yams composes recursively).
    public static let maxDepth = 64

    /// nil when `text` may be composed; otherwise one line saying what is wrong and where
    /// (the caller puts the file name in front).
    public static func problem(in text: String) -> String? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return "cannot start the YAML parser (out of memory?)" }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buf -> String? in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            return walk(&parser)
        }
    }

    /// One open list or mapping: its anchor, the expanded count when it started, and for a
    /// mapping the nodes seen so far (keys at even positions) and its scalar keys.
    private struct Open {
        var anchor: String?
        var start: Int
        var isMapping: Bool
        var children = 0
        var keys = Set<String>()
    }

    private static func walk(_ parser: inout yaml_parser_t) -> String? {
        var anchors: [String: Int] = [:]   // anchor → expanded size of its node
        var open: [Open] = []
        var expanded = 0                   // nodes so far, aliases expanded (saturating)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return syntaxError(parser) }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_DOCUMENT_START_EVENT:
                anchors = [:]   // anchors do not cross documents
            case YAML_SCALAR_EVENT:
                expanded = add(expanded, 1)
                if let a = string(event.data.scalar.anchor) { anchors[a] = 1 }
                if let top = open.last, top.isMapping, top.children % 2 == 0,
                   let value = event.data.scalar.value,
                   case let key = String(decoding: UnsafeBufferPointer(start: value, count: event.data.scalar.length), as: UTF8.self),
                   !open[open.count - 1].keys.insert(key).inserted {
                    return "line \(line): key '\(OneLine.escape(key, limit: 80))' is set twice in the same mapping; keep one"
                }
                if !open.isEmpty { open[open.count - 1].children += 1 }
            case YAML_ALIAS_EVENT:
                let name = string(event.data.alias.anchor) ?? ""
                guard let size = anchors[name] else {
                    return "line \(line): alias *\(name) names no earlier anchor &\(name)"
                }
                expanded = add(expanded, size)
                if !open.isEmpty { open[open.count - 1].children += 1 }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let anchor = event.type == YAML_SEQUENCE_START_EVENT
                    ? string(event.data.sequence_start.anchor) : string(event.data.mapping_start.anchor)
                open.append(Open(anchor: anchor, start: expanded, isMapping: event.type == YAML_MAPPING_START_EVENT))
                expanded = add(expanded, 1)
                if open.count > maxDepth {
                    return "line \(line): lists and mappings nest deeper than \(maxDepth) levels; flatten the document"
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                if let o = open.popLast(), let a = o.anchor { anchors[a] = expanded - o.start }
                if !open.isEmpty { open[open.count - 1].children += 1 }
            default:
                break
            }
            if expanded > maxExpandedNodes {
                return "line \(line): the document expands to more than \(maxExpandedNodes) nodes through its aliases (*name); "
                    + "a YAML alias bomb? write the values out or use fewer nested aliases"
            }
        }
    }

    private static func add(_ a: Int, _ b: Int) -> Int {
        let (s, o) = a.addingReportingOverflow(b)
        return o ? Int.max : s
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let p else { return nil }
        return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    /// libyaml's problem as one line: "not valid YAML at line L, column C: problem (while context)".
    private static func syntaxError(_ parser: yaml_parser_t) -> String {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable text"
        let context = parser.context.map { " (\(String(cString: $0)))" } ?? ""
        let mark = parser.problem_mark
        return "not valid YAML at line \(mark.line + 1), column \(mark.column + 1): \(problem)\(context)"
    }
}
