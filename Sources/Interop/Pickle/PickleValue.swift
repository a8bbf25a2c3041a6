// The values a restricted unpickler can produce: plain data (None, bools, ints, floats,
// strings, bytes, tuples, lists, dicts, sets), the few globals a state dict names, and torch
// storages and tensors as *descriptions* (dtype, storage key, offset, size, stride) — no tensor
// data is read while unpickling. Lists, dicts and sets are reference types because pickle
// mutates them after they are memoised; every one is registered with the machine that made it
// so that `PickleMachine.teardown()` can empty them all (breaking cycles and deep nesting before
// they are freed recursively).

/// A global the unpickler allows (anything else is refused by name).
enum PickleGlobal: Equatable {
    case orderedDict, counter, dict, list, set, frozenset, tuple
    case rebuildTensorV2, rebuildTensor, rebuildParameter, rebuildParameterWithState
    case storageType(TorchDType)
    case torchSize, codecsEncode

    var name: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .counter: return "collections.Counter"
        case .dict: return "builtins.dict"
        case .list: return "builtins.list"
        case .set: return "builtins.set"
        case .frozenset: return "builtins.frozenset"
        case .tuple: return "builtins.tuple"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(let d): return "torch.\(d.storageName)"
        case .torchSize: return "torch.Size"
        case .codecsEncode: return "_codecs.encode"
        }
    }
}

enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too large for Int: little-endian two's-complement bytes (the legacy magic number).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case set(PickleSet)
    case global(PickleGlobal)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)

    /// A short description for error messages (never recursive beyond one level).
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple(let t): return "tuple of \(t.items.count)"
        case .list(let l): return "list of \(l.items.count)"
        case .dict(let d): return "\(d.kind) of \(d.count) entries"
        case .set: return "set"
        case .global(let g): return g.name
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var int: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
    var tuple: [PickleValue]? {
        switch self {
        case .tuple(let t): return t.items
        case .list(let l): return l.items
        default: return nil
        }
    }
}

/// Dict keys that can be looked up (strings and ints); other keys are kept but not indexed.
enum PickleKey: Hashable {
    case string(String), int(Int)
    init?(_ v: PickleValue) {
        switch v {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        default: return nil
        }
    }
}

/// Immutable, so its nesting depth is known when it is made (and limited by the machine).
final class PickleTuple {
    let items: [PickleValue]
    let depth: Int
    init(_ items: [PickleValue]) {
        self.items = items
        var d = 0
        for case .tuple(let t) in items { d = max(d, t.depth) }
        depth = d + 1
    }
}

final class PickleList {
    var items: [PickleValue] = []
}

final class PickleSet {
    var items: [PickleValue] = []
}

final class PickleDict {
    /// "dict", "OrderedDict" or "Counter" (for messages).
    var kind: String
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var index: [PickleKey: Int] = [:]

    init(kind: String = "dict") { self.kind = kind }

    var count: Int { entries.count }

    /// Python semantics: setting an existing key replaces its value in place.
    func set(_ k: PickleValue, _ v: PickleValue) {
        if let key = PickleKey(k) {
            if let i = index[key] { entries[i].value = v; return }
            index[key] = entries.count
        }
        entries.append((k, v))
    }

    subscript(_ key: String) -> PickleValue? { index[.string(key)].map { entries[$0].value } }

    func removeAll() { entries.removeAll(); index.removeAll() }
}
