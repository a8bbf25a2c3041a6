// The central directory of a zip archive (torch.save's format since 1.6), parsed with every
// offset and size checked against the file before anything is read: a truncated archive, an
// offset past the end, a size that does not fit the file, an encrypted or multi-disk archive
// each give an error naming the entry. Entry contents are read by ZipEntryReader.swift
// (stored entries are slices of the file; deflated ones go through ZIPFoundation's zlib).
// ZIPFoundation's own directory reader is not used for the directory: it converts declared
// 64-bit offsets with trapping conversions (a crafted ZIP64 record crashes it), and this file
// is the guard that makes every later read safe.
import Foundation

struct ZipEntry: Equatable {
    var name: String
    /// 0 stored, 8 deflated.
    var method: Int
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    /// Absolute offset of the entry's data (after its local header).
    var dataOffset: Int
}

struct ZipArchive {
    static let localSignature: UInt64 = 0x0403_4b50
    static let centralSignature: UInt64 = 0x0201_4b50
    static let endSignature: UInt64 = 0x0605_4b50
    static let zip64EndSignature: UInt64 = 0x0606_4b50
    static let zip64LocatorSignature: UInt64 = 0x0706_4b50
    /// Deflate cannot expand data by more than ~1032:1; a larger declared ratio is a lie.
    static let maxDeflateRatio = 1032

    let path: String
    let data: Data
    let entries: [ZipEntry]
    private let byName: [String: Int]

    /// Whether `data` starts like a zip archive (a local file header).
    static func looksLikeZip(_ data: Data) -> Bool {
        var r = ByteReader(data)
        return (try? r.uint(4, "signature")) == localSignature
    }

    init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        func fail(_ m: String) -> InteropError { InteropError(path: path, "not a readable zip archive: \(m)") }
        do {
            let (count, cdOffset, cdSize) = try ZipArchive.endRecord(data, fail: fail)
            guard cdOffset <= data.count, cdSize <= data.count - cdOffset else {
                throw fail("the central directory (\(cdSize) bytes at offset \(cdOffset)) lies past the end of the \(data.count)-byte file; the file is truncated")
            }
            guard count <= cdSize / 46 + 1 else {
                throw fail("the archive declares \(count) entries but its directory has room for at most \(cdSize / 46)")
            }
            var r = ByteReader(data, from: cdOffset, to: cdOffset + cdSize)
            var list: [ZipEntry] = [], index: [String: Int] = [:]
            list.reserveCapacity(count)
            for i in 0..<count {
                let e = try ZipArchive.centralEntry(&r, number: i, in: data, fail: fail)
                if index[e.name] == nil { index[e.name] = list.count }
                list.append(e)
            }
            entries = list
            byName = index
        } catch let e as ByteReader.OutOfBounds {
            throw fail("\(e.description); the file is truncated or damaged")
        }
    }

    func entry(_ name: String) -> ZipEntry? { byName[name].map { entries[$0] } }

    /// (entry count, central directory offset, central directory size), from the end record
    /// (and its ZIP64 form when the classic fields are saturated).
    private static func endRecord(_ data: Data, fail: (String) -> InteropError) throws -> (Int, Int, Int) {
        guard data.count >= 22 else { throw fail("the file has \(data.count) bytes, fewer than an empty archive's 22") }
        // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
        var at = -1
        var p = data.count - 22
        let lowest = max(0, data.count - 22 - 65535)
        while p >= lowest {
            var r = ByteReader(data, from: p)
            if try r.uint(4, "end record") == endSignature {
                var c = ByteReader(data, from: p + 20)
                if try p + 22 + c.u16("comment length") == data.count { at = p; break }
            }
            p -= 1
        }
        guard at >= 0 else { throw fail("no end-of-central-directory record (the file is truncated, or not a zip archive)") }
        var r = ByteReader(data, from: at + 4)
        let disk = try r.u16("disk number"), cdDisk = try r.u16("directory disk")
        _ = try r.u16("entries on disk")
        var count = try r.u16("entry count")
        var cdSize = try r.u32("directory size"), cdOffset = try r.u32("directory offset")
        guard disk == 0 || disk == 0xFFFF, cdDisk == 0 || cdDisk == 0xFFFF else {
            throw fail("multi-disk (split) archives are not supported")
        }
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            guard at >= 20 else { throw fail("ZIP64 fields are saturated but there is no ZIP64 locator") }
            var l = ByteReader(data, from: at - 20)
            guard try l.uint(4, "ZIP64 locator") == zip64LocatorSignature else {
                throw fail("ZIP64 fields are saturated but the ZIP64 locator is missing")
            }
            _ = try l.u32("ZIP64 disk")
            let recordOffset = try l.u64("ZIP64 record offset")
            guard recordOffset < data.count else { throw fail("the ZIP64 end record offset \(recordOffset) is past the end of the file") }
            var z = ByteReader(data, from: recordOffset)
            guard try z.uint(4, "ZIP64 end record") == zip64EndSignature else { throw fail("bad ZIP64 end record signature") }
            try z.skip(8 + 2 + 2 + 4 + 4 + 8, "ZIP64 end record")
            count = try z.u64("ZIP64 entry count")
            cdSize = try z.u64("ZIP64 directory size")
            cdOffset = try z.u64("ZIP64 directory offset")
        }
        return (count, cdOffset, cdSize)
    }

    private static func centralEntry(_ r: inout ByteReader, number i: Int, in data: Data,
                                     fail: (String) -> InteropError) throws -> ZipEntry {
        guard try r.uint(4, "directory entry \(i)") == centralSignature else {
            throw fail("directory entry \(i) has a bad signature (damaged directory)")
        }
        try r.skip(4, "versions")
        let flags = try r.u16("flags"), method = try r.u16("method")
        try r.skip(4, "time and date")
        let crc = UInt32(try r.uint(4, "crc32"))
        var compressed = try r.u32("compressed size"), uncompressed = try r.u32("uncompressed size")
        let nameLength = try r.u16("name length"), extraLength = try r.u16("extra length"), commentLength = try r.u16("comment length")
        try r.skip(8, "disk and attributes")
        var local = try r.u32("local header offset")
        let nameData = try r.bytes(nameLength, "entry \(i) name")
        guard let name = String(data: nameData, encoding: .utf8) else { throw fail("directory entry \(i) has a name that is not UTF-8") }
        var extra = ByteReader(try r.bytes(extraLength, "entry \(name) extra field"))
        try r.skip(commentLength, "entry \(name) comment")
        // ZIP64 extended information: only the saturated fields are present, in this order.
        while extra.remaining >= 4 {
            let id = try extra.u16("extra id"), size = try extra.u16("extra size")
            var field = ByteReader(try extra.bytes(size, "entry \(name) extra field \(id)"))
            if id == 1 {
                if uncompressed == 0xFFFF_FFFF { uncompressed = try field.u64("entry \(name) ZIP64 size") }
                if compressed == 0xFFFF_FFFF { compressed = try field.u64("entry \(name) ZIP64 compressed size") }
                if local == 0xFFFF_FFFF { local = try field.u64("entry \(name) ZIP64 offset") }
            }
        }
        guard flags & 1 == 0 else { throw fail("entry \(name) is encrypted") }
        guard method == 0 || method == 8 else {
            throw fail("entry \(name) uses compression method \(method); only stored (0) and deflate (8) are supported")
        }
        if method == 0 && compressed != uncompressed {
            throw fail("entry \(name) is stored but declares \(compressed) compressed and \(uncompressed) uncompressed bytes")
        }
        if method == 8 && uncompressed / max(compressed, 1) > maxDeflateRatio {
            throw fail("entry \(name) declares \(uncompressed) bytes inflated from \(compressed), more than deflate can produce")
        }
        // The local header: its own name and extra lengths decide where the data starts.
        guard local <= data.count - 30 else {
            throw fail("entry \(name)'s local header offset \(local) is past the end of the \(data.count)-byte file")
        }
        var lh = ByteReader(data, from: local)
        guard try lh.uint(4, "local header") == localSignature else { throw fail("entry \(name)'s local header has a bad signature") }
        try lh.skip(22, "local header")
        let localName = try lh.u16("local name length"), localExtra = try lh.u16("local extra length")
        let dataOffset = local + 30 + localName + localExtra
        guard dataOffset <= data.count, compressed <= data.count - dataOffset else {
            throw fail("entry \(name) declares \(compressed) bytes at offset \(dataOffset), past the end of the \(data.count)-byte file (truncated?)")
        }
        return ZipEntry(name: name, method: method, crc32: crc, compressedSize: compressed,
                        uncompressedSize: uncompressed, dataOffset: dataOffset)
    }
}
