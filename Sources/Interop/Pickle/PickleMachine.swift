// A restricted pickle virtual machine (protocols 0–5) that builds data and never executes
// anything: GLOBAL/STACK_GLOBAL resolve only the names of PickleGlobals.swift and refuse every
// other one by name; REDUCE/NEWOBJ/BUILD apply only those; persistent ids (torch storages) go to
// a callback. Every read is bounds-checked (ByteReader), every pop checks the stack, tuples
// nest at most `maxTupleDepth` deep, and an opcode it does not know is an error naming it and
// its offset. After the result has been used, `teardown()` empties every list, dict and set it
// made, so cyclic or deeply nested input frees without recursion.
import Foundation

struct PickleError: Error, CustomStringConvertible {
    let description: String
    init(_ m: String) { description = m }
}

final class PickleMachine {
    static let maxTupleDepth = 64

    var reader: ByteReader
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var containers: [AnyObject] = []
    /// Resolves a persistent id (the pid value) to a value: torch's storages.
    private let persistentLoad: (PickleValue) throws -> PickleValue
    /// Offset of the opcode being executed (for messages).
    private var opAt = 0

    init(_ data: Data, from start: Int = 0, persistentLoad: @escaping (PickleValue) throws -> PickleValue) {
        reader = ByteReader(data, from: start)
        self.persistentLoad = persistentLoad
    }

    /// Where the last `run()` stopped (just after its STOP): the next pickle of a legacy file.
    var position: Int { reader.position }

    /// Runs to the next STOP and returns the value on top of the stack.
    func run() throws -> PickleValue {
        stack.removeAll(); marks.removeAll(); memo.removeAll()
        do {
            while true {
                opAt = reader.position
                let op = try reader.u8("opcode")
                if op == 0x2E {   // STOP
                    guard let v = stack.popLast() else { throw fail("STOP with an empty stack") }
                    return v
                }
                try execute(op)
            }
        } catch let e as ByteReader.OutOfBounds {
            throw PickleError("pickle data is truncated (\(e.description))")
        }
    }

    /// Empties every container this machine made (call after the result has been consumed).
    func teardown() {
        for c in containers {
            if let l = c as? PickleList { l.items.removeAll() }
            else if let d = c as? PickleDict { d.removeAll() }
            else if let s = c as? PickleSet { s.items.removeAll() }
        }
        containers.removeAll(); stack.removeAll(); memo.removeAll()
    }

    func fail(_ m: String) -> PickleError { PickleError("pickle opcode at byte \(opAt): \(m)") }

    // MARK: stack

    func push(_ v: PickleValue) { stack.append(v) }

    func pop() throws -> PickleValue {
        guard let v = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow") }
        return v
    }

    func top() throws -> PickleValue {
        guard let v = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return v
    }

    /// The items above the last MARK, removing them and the mark.
    func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast(), m <= stack.count else { throw fail("no MARK on the stack") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    func list() -> PickleList { let l = PickleList(); containers.append(l); return l }
    func dict(_ kind: String = "dict") -> PickleDict { let d = PickleDict(kind: kind); containers.append(d); return d }
    func set() -> PickleSet { let s = PickleSet(); containers.append(s); return s }

    func tuple(_ items: [PickleValue]) throws -> PickleValue {
        let t = PickleTuple(items)
        guard t.depth <= PickleMachine.maxTupleDepth else { throw fail("tuples nested more than \(PickleMachine.maxTupleDepth) deep") }
        return .tuple(t)
    }

    // MARK: opcodes

    private func execute(_ op: UInt8) throws {
        switch op {
        case 0x80: // PROTO
            let v = try reader.u8("protocol")
            guard v <= 5 else { throw fail("pickle protocol \(v) is newer than 5") }
        case 0x95: try reader.skip(8, "frame length")                               // FRAME
        case 0x28: marks.append(stack.count)                                    // MARK
        case 0x30: _ = try pop()                                                // POP
        case 0x31: _ = try popMark()                                            // POP_MARK
        case 0x32: push(try top())                                              // DUP
        case 0x4E: push(.none)                                                  // NONE
        case 0x88: push(.bool(true))                                            // NEWTRUE
        case 0x89: push(.bool(false))                                           // NEWFALSE
        case 0x4B: push(.int(Int(try reader.uint(1, "BININT1"))))                    // BININT1
        case 0x4D: push(.int(Int(try reader.uint(2, "BININT2"))))                    // BININT2
        case 0x4A: push(.int(try reader.i32("BININT")))                              // BININT
        case 0x8A: push(try long(Int(try reader.uint(1, "LONG1 length"))))          // LONG1
        case 0x8B:                                                              // LONG4
            let n = try reader.i32("LONG4 length")
            guard n >= 0 else { throw fail("negative LONG4 length") }
            push(try long(n))
        case 0x49: push(try textInt())                                          // INT
        case 0x4C: push(try textLong())                                         // LONG
        case 0x46:                                                              // FLOAT
            guard let d = Double(try text("FLOAT")) else { throw fail("FLOAT is not a number") }
            push(.float(d))
        case 0x47: push(.float(Double(bitPattern: try bigEndianWord())))  // BINFLOAT
        case 0x58: push(.string(try utf8(try reader.u32("BINUNICODE length"))))     // BINUNICODE
        case 0x8C: push(.string(try utf8(Int(try reader.uint(1, "SHORT_BINUNICODE length")))))  // SHORT_BINUNICODE
        case 0x8D: push(.string(try utf8(try reader.u64("BINUNICODE8 length"))))    // BINUNICODE8
        case 0x56: push(.string(try text("UNICODE")))                           // UNICODE (raw-unicode-escape; ASCII here)
        case 0x55: push(.string(try legacyString(Int(try reader.uint(1, "SHORT_BINSTRING length")))))  // SHORT_BINSTRING
        case 0x54:                                                              // BINSTRING
            let n = try reader.i32("BINSTRING length")
            guard n >= 0 else { throw fail("negative BINSTRING length") }
            push(.string(try legacyString(n)))
        case 0x53: push(.string(try quoted(try text("STRING"))))                // STRING
        case 0x43: push(.bytes([UInt8](try reader.bytes(Int(try reader.uint(1, "SHORT_BINBYTES length")), "SHORT_BINBYTES"))))
        case 0x42: push(.bytes([UInt8](try reader.bytes(try reader.u32("BINBYTES length"), "BINBYTES"))))
        case 0x8E: push(.bytes([UInt8](try reader.bytes(try reader.u64("BINBYTES8 length"), "BINBYTES8"))))
        case 0x96: push(.bytes([UInt8](try reader.bytes(try reader.u64("BYTEARRAY8 length"), "BYTEARRAY8"))))
        case 0x29: push(try tuple([]))                                          // EMPTY_TUPLE
        case 0x85: let a = try pop(); push(try tuple([a]))                      // TUPLE1
        case 0x86: let b = try pop(), a = try pop(); push(try tuple([a, b]))    // TUPLE2
        case 0x87: let c = try pop(), b = try pop(), a = try pop(); push(try tuple([a, b, c]))  // TUPLE3
        case 0x74: push(try tuple(try popMark()))                               // TUPLE
        case 0x5D: push(.list(list()))                                          // EMPTY_LIST
        case 0x6C: let l = list(); l.items = try popMark(); push(.list(l))      // LIST
        case 0x61:                                                              // APPEND
            let v = try pop()
            guard case .list(let l) = try top() else { throw fail("APPEND to a \(try top().kind)") }
            l.items.append(v)
        case 0x65:                                                              // APPENDS
            let items = try popMark()
            guard case .list(let l) = try top() else { throw fail("APPENDS to a \(try top().kind)") }
            l.items += items
        case 0x7D: push(.dict(dict()))                                          // EMPTY_DICT
        case 0x64:                                                              // DICT
            let items = try popMark()
            let d = dict()
            try setItems(d, items)
            push(.dict(d))
        case 0x73:                                                              // SETITEM
            let v = try pop(), k = try pop()
            guard case .dict(let d) = try top() else { throw fail("SETITEM on a \(try top().kind)") }
            d.set(k, v)
        case 0x75:                                                              // SETITEMS
            let items = try popMark()
            guard case .dict(let d) = try top() else { throw fail("SETITEMS on a \(try top().kind)") }
            try setItems(d, items)
        case 0x8F: push(.set(set()))                                            // EMPTY_SET
        case 0x90:                                                              // ADDITEMS
            let items = try popMark()
            guard case .set(let s) = try top() else { throw fail("ADDITEMS on a \(try top().kind)") }
            s.items += items
        case 0x91: let s = set(); s.items = try popMark(); push(.set(s))        // FROZENSET
        case 0x70: memo[try textIndex("PUT")] = try top()                       // PUT
        case 0x71: memo[Int(try reader.uint(1, "BINPUT index"))] = try top()         // BINPUT
        case 0x72: memo[try reader.u32("LONG_BINPUT index")] = try top()             // LONG_BINPUT
        case 0x94: memo[memo.count] = try top()                                 // MEMOIZE
        case 0x67: push(try recall(try textIndex("GET")))                       // GET
        case 0x68: push(try recall(Int(try reader.uint(1, "BINGET index"))))         // BINGET
        case 0x6A: push(try recall(try reader.u32("LONG_BINGET index")))             // LONG_BINGET
        case 0x63:                                                              // GLOBAL
            let module = try text("GLOBAL module"), name = try text("GLOBAL name")
            push(.global(try PickleMachine.resolve(module: module, name: name)))
        case 0x93:                                                              // STACK_GLOBAL
            let name = try pop(), module = try pop()
            guard let n = name.string, let m = module.string else { throw fail("STACK_GLOBAL needs two strings") }
            push(.global(try PickleMachine.resolve(module: m, name: n)))
        case 0x69:                                                              // INST
            let module = try text("INST module"), name = try text("INST name")
            let g = try PickleMachine.resolve(module: module, name: name)
            push(try apply(g, args: try popMark()))
        case 0x6F:                                                              // OBJ
            let items = try popMark()
            guard let first = items.first, case .global(let g) = first else { throw fail("OBJ without a class") }
            push(try apply(g, args: Array(items.dropFirst())))
        case 0x52:                                                              // REDUCE
            let args = try pop(), f = try pop()
            guard case .global(let g) = f, let a = args.tuple else { throw fail("REDUCE of a \(f.kind) with \(args.kind)") }
            push(try apply(g, args: a))
        case 0x81:                                                              // NEWOBJ
            let args = try pop(), cls = try pop()
            guard case .global(let g) = cls, let a = args.tuple else { throw fail("NEWOBJ of a \(cls.kind)") }
            push(try apply(g, args: a))
        case 0x92:                                                              // NEWOBJ_EX
            _ = try pop()
            let args = try pop(), cls = try pop()
            guard case .global(let g) = cls, let a = args.tuple else { throw fail("NEWOBJ_EX of a \(cls.kind)") }
            push(try apply(g, args: a))
        case 0x62:                                                              // BUILD
            let state = try pop()
            try build(try top(), state: state)
        case 0x50: push(try persistentLoad(.string(try text("PERSID"))))        // PERSID
        case 0x51: push(try persistentLoad(try pop()))                          // BINPERSID
        case 0x82, 0x83, 0x84:
            throw fail("the file uses the copyreg extension registry (EXT opcodes), which could name any global; refusing to load")
        case 0x97, 0x98:
            throw fail("the file uses out-of-band buffers (pickle protocol 5 NEXT_BUFFER), which a torch checkpoint never does")
        default:
            throw fail(String(format: "unknown pickle opcode 0x%02x; the file is damaged or not a pickle", op))
        }
    }

    private func setItems(_ d: PickleDict, _ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw fail("an odd number of items for a dict") }
        for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i], items[i + 1]) }
    }

    private func recall(_ i: Int) throws -> PickleValue {
        guard let v = memo[i] else { throw fail("memo entry \(i) was never stored") }
        return v
    }
}
