// A PyTorch checkpoint (`torch.save` output) read without executing anything: the zip format of
// torch ≥ 1.6 (`<stem>/data.pkl`, `<stem>/data/<key>` storages, `<stem>/byteorder`) or the
// legacy format (TorchLegacyFormat.swift). The pickle is run by the restricted PickleMachine;
// the state dict is found in it (StateDictExtraction.swift) and its tensors are read lazily
// from the storages, converted to float32 on request.
import Foundation
import Tensor

public final class TorchCheckpoint {
    public enum Format: String, Sendable { case zip, legacy }

    public let path: String
    public let format: Format
    /// The state dict's tensors in file order, after unwrapping (`model`, `state_dict`), the
    /// `module.` prefix and `num_batches_tracked` were dealt with.
    public let entries: [(name: String, tensor: TorchTensorRef)]
    /// What was unwrapped, stripped or dropped, one line each (for import reports).
    public let notes: [String]
    private let littleEndian: Bool
    private let bytesOf: (TorchStorageRef) throws -> Data
    private var cache: [String: Data] = [:]

    init(path: String, format: Format, extracted: ExtractedStateDict, littleEndian: Bool,
         bytesOf: @escaping (TorchStorageRef) throws -> Data) {
        self.path = path; self.format = format
        entries = extracted.entries; notes = extracted.notes
        self.littleEndian = littleEndian; self.bytesOf = bytesOf
    }

    /// Whether a file is a torch checkpoint by its first bytes (zip, or a pickle's PROTO opcode).
    public static func looksLikeTorch(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = h.readData(ofLength: 4)
        return ZipArchive.looksLikeZip(head) || head.first == 0x80
    }

    /// Reads the file's structure and pickle (not yet the tensor data).
    public static func load(_ path: String) throws -> TorchCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InteropError(path: path, "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw InteropError(path: path, "cannot read the file (\(error.localizedDescription))")
        }
        return try load(data: data, path: path)
    }

    /// Reads a checkpoint held in memory; `path` names it in errors.
    static func load(data: Data, path: String) throws -> TorchCheckpoint {
        do {
            if ZipArchive.looksLikeZip(data) { return try loadZip(data, path: path) }
            if data.first == 0x80 { return try TorchLegacyFormat.load(data, path: path) }
            if data.count > 262, String(data: data.subdata(in: (data.startIndex + 257)..<(data.startIndex + 262)), encoding: .ascii) == "ustar" {
                throw InteropError(path: path, "this is the tar format of torch < 0.4, which is not supported; re-save it with a current torch (torch.save(torch.load(f), f))")
            }
            throw InteropError(path: path, "not a PyTorch checkpoint (neither a zip archive nor a pickle); pass a .pth/.pt written by torch.save or a .safetensors file")
        } catch let e as PickleError {
            throw InteropError(path: path, e.description)
        } catch let e as TorchFormatError {
            throw InteropError(path: path, e.description)
        }
    }

    private static func loadZip(_ data: Data, path: String) throws -> TorchCheckpoint {
        let zip = try ZipArchive(data: data, path: path)
        let pickles = zip.entries.filter { $0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/").count == 2 }
        guard pickles.count == 1, let pkl = pickles.first else {
            throw InteropError(path: path, pickles.isEmpty
                ? "a zip archive without <name>/data.pkl: not a torch.save checkpoint (TorchScript archives and other zips are not supported)"
                : "a zip archive with \(pickles.count) data.pkl entries; expected one")
        }
        let stem = String(pkl.name.dropLast("/data.pkl".count))
        var littleEndian = true
        if let bo = zip.entry("\(stem)/byteorder") {
            let text = String(data: try zip.contents(of: bo), encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text == "little" || text == "big" else { throw InteropError(path: path, "\(stem)/byteorder is '\(text ?? "?")', expected little or big") }
            littleEndian = text == "little"
        }
        let machine = PickleMachine(try zip.contents(of: pkl), persistentLoad: zipStorage)
        defer { machine.teardown() }
        let extracted = try StateDictExtraction.extract(try machine.run())
        return TorchCheckpoint(path: path, format: .zip, extracted: extracted, littleEndian: littleEndian) { storage in
            guard let e = zip.entry("\(stem)/data/\(storage.key)") else {
                throw TorchFormatError("storage \(storage.key) is missing from the archive (\(stem)/data/\(storage.key))")
            }
            return try zip.contents(of: e)
        }
    }

    /// A zip-format persistent id: ('storage', storage_type, key, location, numel).
    static func zipStorage(_ pid: PickleValue) throws -> PickleValue {
        guard let t = pid.tuple, t.count == 5, t[0].string == "storage", case .global(.storageType(let dtype)) = t[1],
              let key = t[2].string, let numel = t[4].int, numel >= 0 else {
            throw PickleError("a persistent id that is not a torch storage reference (\(pid.kind))")
        }
        return .storage(TorchStorageRef(dtype: dtype, key: key, count: numel))
    }

    /// The float32 values of the tensor called `name`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries.first(where: { $0.name == name }) else { throw InteropError(path: path, "no tensor \(name)") }
        return try floats(e.tensor, name: name)
    }

    /// Every tensor of the state dict as float32, in file order.
    public func floatStateDict() throws -> [(String, Tensor)] {
        try entries.map { ($0.name, try floats($0.tensor, name: $0.name)) }
    }

    private func floats(_ t: TorchTensorRef, name: String) throws -> Tensor {
        do {
            let bytes: Data
            if let b = cache[t.storage.key] { bytes = b } else {
                bytes = try bytesOf(t.storage)
                cache[t.storage.key] = bytes
            }
            return try t.floats(from: bytes, littleEndian: littleEndian, name: name)
        } catch let e as TorchFormatError {
            throw InteropError(path: path, e.description)
        }
    }
}
