// The globals a state dict needs, and what calling them builds. This is the whole allow-list:
// containers (OrderedDict — a state dict —, Counter — a MultiStepLR's milestones in a training
// checkpoint —, dict, list, set, frozenset, tuple, torch.Size), torch's tensor and parameter
// rebuild functions, the storage types, and _codecs.encode (how protocol 2 spells bytes).
// Every other global — `os.system`, `builtins.eval`, a pickled nn.Module's class — is refused
// when it is *named*, before anything could call it. (torch.load(weights_only=True) uses the
// same idea with a longer list.)

extension PickleMachine {
    static func resolve(module: String, name: String) throws -> PickleGlobal {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("collections", "Counter"): return .counter
        case ("builtins", "dict"), ("__builtin__", "dict"): return .dict
        case ("builtins", "list"), ("__builtin__", "list"): return .list
        case ("builtins", "set"), ("__builtin__", "set"): return .set
        case ("builtins", "frozenset"), ("__builtin__", "frozenset"): return .frozenset
        case ("builtins", "tuple"), ("__builtin__", "tuple"): return .tuple
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): return .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("torch", "Size"): return .torchSize
        case ("_codecs", "encode"): return .codecsEncode
        default:
            if module == "torch", let d = TorchDType.storage(named: name) { return .storageType(d) }
            var hint = "; a PyTorch state dict never needs it, and opening this file with torch.load could run code"
            if module.hasPrefix("torch.nn") || module.hasPrefix("fastreid") || module.hasPrefix("torchvision") || module.hasPrefix("__main__") {
                hint = "; this looks like a whole pickled model: save `model.state_dict()` instead (torch.save(model.state_dict(), path))"
            }
            throw PickleError("refusing to load: the file calls `\(module).\(name)`\(hint)")
        }
    }

    /// The result of calling (REDUCE/NEWOBJ/INST/OBJ) an allowed global with `args`.
    func apply(_ g: PickleGlobal, args a: [PickleValue]) throws -> PickleValue {
        func items(_ v: PickleValue?) throws -> [PickleValue] {
            switch v {
            case nil: return []
            case .tuple(let t)?: return t.items
            case .list(let l)?: return l.items
            case .set(let s)?: return s.items
            case .dict(let d)?: return d.entries.map(\.key)
            default: throw fail("\(g.name) of a \(v!.kind)")
            }
        }
        switch g {
        case .orderedDict, .dict, .counter:
            let d = dict(g == .orderedDict ? "OrderedDict" : g == .counter ? "Counter" : "dict")
            if case .dict(let src)? = a.first {
                for (k, v) in src.entries { d.set(k, v) }
            } else {
                for pair in try items(a.first) {
                    guard let kv = pair.tuple, kv.count == 2 else { throw fail("\(g.name) of something other than key-value pairs") }
                    d.set(kv[0], kv[1])
                }
            }
            return .dict(d)
        case .list:
            let l = list(); l.items = try items(a.first); return .list(l)
        case .set, .frozenset:
            let s = set(); s.items = try items(a.first); return .set(s)
        case .tuple, .torchSize:
            return try tuple(try items(a.first))
        case .codecsEncode:
            guard let s = a.first?.string else { throw fail("_codecs.encode of a \(a.first?.kind ?? "nothing")") }
            // Protocol 2 writes bytes as encode(latin-1 text, "latin1").
            return .bytes(s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        case .rebuildTensorV2, .rebuildTensor:
            guard a.count >= 4, case .storage(let st) = a[0], let offset = a[1].int,
                  let size = a[2].tuple?.map(\.int), let stride = a[3].tuple?.map(\.int),
                  size.allSatisfy({ $0 != nil }), stride.allSatisfy({ $0 != nil }) else {
                throw fail("\(g.name) with arguments (\(a.map(\.kind).joined(separator: ", "))) instead of (storage, offset, size, stride, …)")
            }
            return .tensor(TorchTensorRef(storage: st, offset: offset, shape: size.map { $0! }, stride: stride.map { $0! }))
        case .rebuildParameter, .rebuildParameterWithState:
            guard case .tensor(let t)? = a.first else { throw fail("\(g.name) of a \(a.first?.kind ?? "nothing") instead of a tensor") }
            return .tensor(t)
        case .storageType:
            throw fail("\(g.name) called directly; storages only appear as persistent ids")
        }
    }

    /// BUILD: sets an object's state. Allowed objects are plain data; their extra state (an
    /// OrderedDict's `_metadata`, a parameter's attributes) does not matter here and is dropped.
    func build(_ obj: PickleValue, state: PickleValue) throws {
        switch obj {
        case .dict, .list, .set, .tensor: return
        default: throw fail("BUILD on a \(obj.kind)")
        }
    }
}
