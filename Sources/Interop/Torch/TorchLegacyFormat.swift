// torch.save's legacy format (torch < 1.6, and `_use_new_zipfile_serialization=False` since),
// which FastReID's released model zoo uses: five pickles in a row — the magic number
// 0x1950a86a20f9469cfc6c, the protocol version 1001, the system info (byte order), the object
// (storages as persistent ids ('storage', type, key, location, numel, view)), the list of
// storage keys — then each storage in that order as an 8-byte element count and its raw bytes.
import Foundation

enum TorchLegacyFormat {
    /// 0x1950a86a20f9469cfc6c, little-endian.
    static let magic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    static func load(_ data: Data, path: String) throws -> TorchCheckpoint {
        var storages: [String: TorchStorageRef] = [:]
        let machine = PickleMachine(data) { pid in
            guard let t = pid.tuple, t.count == 6, t[0].string == "storage", case .global(.storageType(let dtype)) = t[1],
                  let key = t[2].string, let numel = t[4].int, numel >= 0 else {
                throw PickleError("a persistent id that is not a torch storage reference (\(pid.kind))")
            }
            if case .none = t[5] {} else { throw PickleError("storage \(key) is a view of another storage (torch < 1.0); re-save the file with a current torch") }
            if let s = storages[key] {
                guard s.dtype == dtype else { throw PickleError("storage \(key) is declared as both \(s.dtype.rawValue) and \(dtype.rawValue)") }
                return .storage(s)
            }
            let s = TorchStorageRef(dtype: dtype, key: key, count: numel)
            storages[key] = s
            return .storage(s)
        }
        defer { machine.teardown() }
        guard case .bigInt(let m) = try machine.run(), m == magic else {
            throw InteropError(path: path, "a pickle, but not a torch checkpoint (no torch magic number)")
        }
        guard case .int(1001) = try machine.run() else { throw InteropError(path: path, "unsupported legacy torch protocol version (expected 1001)") }
        guard case .dict(let info) = try machine.run() else { throw InteropError(path: path, "the legacy header's system info is not a dict") }
        var littleEndian = true
        if case .bool(let b)? = info["little_endian"] { littleEndian = b }
        let extracted = try StateDictExtraction.extract(try machine.run())
        guard let keys = try machine.run().tuple?.map(\.string), keys.allSatisfy({ $0 != nil }) else {
            throw InteropError(path: path, "the legacy storage key list is not a list of strings")
        }
        // The raw storages follow, in key order.
        var ranges: [String: Range<Int>] = [:]
        var r = ByteReader(data, from: machine.position)
        do {
            for case let key? in keys {
                guard let s = storages[key] else { throw InteropError(path: path, "storage \(key) is listed but never used, so its element type is unknown") }
                let count = Int(Int64(bitPattern: littleEndian ? try r.uint(8, "storage \(key) size") : try r.uint(8, "storage \(key) size").byteSwapped))
                let (bytes, overflow) = count.multipliedReportingOverflow(by: s.dtype.byteSize)
                guard count == s.count, !overflow else {
                    throw InteropError(path: path, "storage \(key) holds \(count) elements, but the pickle declares \(s.count)")
                }
                let start = r.position
                try r.skip(bytes, "storage \(key) data (\(count) × \(s.dtype.byteSize) bytes)")
                ranges[key] = start..<(start + bytes)
            }
        } catch let e as ByteReader.OutOfBounds {
            throw InteropError(path: path, "\(e.description); the file is truncated")
        }
        return TorchCheckpoint(path: path, format: .legacy, extracted: extracted, littleEndian: littleEndian) { storage in
            guard let range = ranges[storage.key] else { throw TorchFormatError("storage \(storage.key) is not in the file's storage list") }
            return data[(data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound)]
        }
    }
}
