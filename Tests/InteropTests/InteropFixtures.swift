// Shared helpers of the Interop tests: where the committed fixtures are (made by
// Scripts/fastreid_fixtures.py), a builder of torch-style zip archives (ZIPFoundation, in
// memory; stored or deflated entries) and a tiny pickle assembler for hand-made payloads.
import Foundation
import ZIPFoundation

enum InteropFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fastreid").path

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    static func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }

    /// A zip archive of `entries` (name → bytes), in order.
    static func zip(_ entries: [(String, Data)], method: CompressionMethod = .none) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (name, data) in entries {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: method) { pos, size in
                data.subdata(in: Int(pos)..<(Int(pos) + size))
            }
        }
        return archive.data!
    }

    /// A torch-style archive: archive/data.pkl, archive/byteorder, archive/data/<key>.
    static func torchZip(pickle: [UInt8], storages: [(String, Data)] = [], byteorder: String = "little",
                         method: CompressionMethod = .none) throws -> Data {
        try zip([("archive/data.pkl", Data(pickle)), ("archive/byteorder", Data(byteorder.utf8))]
                + storages.map { ("archive/data/\($0.0)", $0.1) }, method: method)
    }

    /// Writes `data` to a fresh temporary file and returns its path.
    static func temporary(_ data: Data, suffix: String = ".pth") throws -> String {
        let p = NSTemporaryDirectory() + "reidkd-interop-\(UUID().uuidString)\(suffix)"
        try data.write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// Assembles pickle opcodes (protocol 2) for hand-made payloads.
struct PickleAssembler {
    var bytes: [UInt8] = [0x80, 0x02]

    mutating func op(_ b: UInt8...) { bytes += b }
    mutating func global(_ module: String, _ name: String) { bytes += [0x63] + Array("\(module)\n\(name)\n".utf8) }
    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        bytes += [0x58] + withUnsafeBytes(of: UInt32(u.count).littleEndian, Array.init) + u
    }
    mutating func int(_ i: Int) { bytes += [0x4A] + withUnsafeBytes(of: Int32(i).littleEndian, Array.init) }
    mutating func mark() { op(0x28) }
    mutating func tuple() { op(0x74) }
    mutating func emptyDict() { op(0x7D) }
    mutating func setItem() { op(0x73) }
    mutating func reduce() { op(0x52) }
    mutating func stop() { op(0x2E) }

    /// A tensor entry `name` of `storage` (float32, `numel` elements) with `size`/`stride`/`offset`,
    /// set into the dict on top of the stack.
    mutating func tensorItem(_ name: String, storage key: String, numel: Int, offset: Int = 0, size: [Int], stride: [Int]) {
        string(name)
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark(); string("storage"); global("torch", "FloatStorage"); string(key); string("cpu"); int(numel); tuple()
        op(0x51)   // BINPERSID
        int(offset)
        mark(); for s in size { int(s) }; tuple()
        mark(); for s in stride { int(s) }; tuple()
        op(0x89)   // False
        global("collections", "OrderedDict"); op(0x29); reduce()
        tuple()
        reduce()
        setItem()
    }
}

extension Data {
    static func floats(_ xs: [Float], bigEndian: Bool = false) -> Data {
        var d = Data()
        for x in xs {
            let bits = bigEndian ? x.bitPattern.bigEndian : x.bitPattern.littleEndian
            Swift.withUnsafeBytes(of: bits) { d.append(contentsOf: $0) }
        }
        return d
    }
}
