// Reading one entry of a ZipArchive: a stored entry is a slice of the file, a deflated one is
// inflated by ZIPFoundation (zlib); both are checked against the entry's CRC-32. Sizes were
// validated against the file when the directory was read, and the inflater is fed exactly
// the declared compressed bytes (zero-padded chunks, as its zlib loop expects full buffers) and
// stopped as soon as it produces more than the declared size, so a lying entry ends in an error.
import Foundation
import ZIPFoundation

extension ZipArchive {
    /// The contents of `entry`, CRC-checked. For stored entries the result shares the file's
    /// buffer (a slice: index it through `withUnsafeBytes`).
    func contents(of entry: ZipEntry) throws -> Data {
        let start = data.startIndex + entry.dataOffset
        let raw = data[start..<(start + entry.compressedSize)]
        let out: Data
        if entry.method == 0 {
            out = raw
        } else {
            out = try inflate(raw, entry: entry)
        }
        guard out.count == entry.uncompressedSize else {
            throw InteropError(path: path, "zip entry \(entry.name): \(out.count) bytes instead of the declared \(entry.uncompressedSize)")
        }
        let crc = out.crc32(checksum: 0)
        guard crc == entry.crc32 else {
            let hex = { (v: UInt32) in String(v, radix: 16) }
            throw InteropError(path: path, "zip entry \(entry.name): CRC-32 mismatch (stored \(hex(entry.crc32)), computed \(hex(crc))); the file is damaged")
        }
        return out
    }

    private struct TooLong: Error {}
    private struct PastEnd: Error {}

    private func inflate(_ raw: Data, entry: ZipEntry) throws -> Data {
        let chunk = 1 << 16
        var out = Data()
        out.reserveCapacity(entry.uncompressedSize)
        do {
            _ = try Data.decompress(size: Int64(raw.count), bufferSize: chunk, skipCRC32: true, provider: { position, size in
                // One zero-padded chunk past the end lets zlib see the end of a valid stream;
                // asking for more means the stream is truncated.
                guard position >= 0, Int(position) < raw.count + size else { throw PastEnd() }
                var piece = Data(count: size)
                let from = Int(position)
                let n = max(0, min(size, raw.count - from))
                if n > 0 {
                    piece.replaceSubrange(0..<n, with: raw[(raw.startIndex + from)..<(raw.startIndex + from + n)])
                }
                return piece
            }, consumer: { d in
                guard out.count + d.count <= entry.uncompressedSize else { throw TooLong() }
                out.append(d)
            })
        } catch is TooLong {
            throw InteropError(path: path, "zip entry \(entry.name) inflates to more than its declared \(entry.uncompressedSize) bytes; the file is damaged")
        } catch is PastEnd {
            throw InteropError(path: path, "zip entry \(entry.name): the deflate stream ends early (truncated or damaged)")
        } catch let e as InteropError {
            throw e
        } catch {
            throw InteropError(path: path, "zip entry \(entry.name): not a valid deflate stream (\(error))")
        }
        return out
    }
}
