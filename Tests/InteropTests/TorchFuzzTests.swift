// Damaged and hostile checkpoints: every one must end in an InteropError naming the file — never
// a trap, a hang or an unbounded allocation. Truncation at every byte, wrong CRCs, declared sizes
// and offsets that do not fit the file (also through ZIP64 records), every opcode the machine
// does not know, deep nesting and cycles, and thousands of random mutations of real files.
import XCTest
import Foundation
@testable import Interop

final class TorchFuzzTests: XCTestCase {
    /// Loads `data` as a checkpoint and converts every tensor; returns the error, if any.
    @discardableResult
    func attempt(_ data: Data, file: StaticString = #filePath, line: UInt = #line) -> Error? {
        let path = "fuzzed.pth"
        do {
            let ck = try TorchCheckpoint.load(data: data, path: path)
            _ = try ck.floatStateDict()
            return nil
        } catch let e as InteropError {
            XCTAssertEqual(e.path, path, "the error names the file", file: file, line: line)
            XCTAssertFalse(e.message.isEmpty, file: file, line: line)
            return e
        } catch {
            XCTFail("not an InteropError: \(error)", file: file, line: line)
            return error
        }
    }

    func expectError(_ data: Data, _ needle: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = attempt(data, file: file, line: line) else { return XCTFail("loaded without error", file: file, line: line) }
        XCTAssertTrue("\(e)".contains(needle), "\(e)", file: file, line: line)
    }

    func testTruncatedAtEveryByte() throws {
        for name in ["reader-zip.pth", "reader-legacy.pth"] {
            let full = try InteropFixtures.bytes(name)
            XCTAssertNil(attempt(full), name)
            for n in 0..<full.count {
                XCTAssertNotNil(attempt(full.prefix(n)), "\(name) truncated to \(n) bytes loaded")
            }
        }
    }

    /// Offsets of the central-directory records of a zip file.
    func centralRecords(_ d: Data) -> [Int] {
        let sig: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        return (0..<(d.count - 4)).filter { i in (0..<4).allSatisfy { d[i + $0] == sig[$0] } }
    }

    func patch(_ d: inout Data, at offset: Int, _ value: UInt64, bytes: Int) {
        for i in 0..<bytes { d[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    func testWrongCRCs() throws {
        let original = try InteropFixtures.bytes("reader-zip.pth")
        let zip = try ZipArchive(data: original, path: "")
        // Entries that are read: the pickle, the byte order, the storages of the kept tensors
        // (num_batches_tracked's storage is never read, so damage there does not matter).
        let used = Set(try TorchCheckpoint.load(data: original, path: "").entries.map { "archive/data/\($0.tensor.storage.key)" })
        for e in zip.entries where e.name.hasSuffix("data.pkl") || used.contains(e.name) || e.name.hasSuffix("byteorder") {
            guard e.compressedSize > 0 else { continue }
            var d = original
            d[e.dataOffset] ^= 0x5A
            expectError(d, "CRC-32 mismatch")
        }
        // A wrong stored CRC (the data intact) is caught too.
        var d = original
        patch(&d, at: centralRecords(d)[0] + 16, 0xDEADBEEF, bytes: 4)
        expectError(d, "CRC-32 mismatch")
    }

    func testHugeDeclaredSizesAndOffsetsPastTheEnd() throws {
        let original = try InteropFixtures.bytes("reader-zip.pth")
        let cd = centralRecords(original)[0]
        var d = original
        patch(&d, at: cd + 20, 0x7FFF_FFF0, bytes: 4); patch(&d, at: cd + 24, 0x7FFF_FFF0, bytes: 4)
        expectError(d, "past the end")
        d = original
        patch(&d, at: cd + 24, 0x7FFF_FFF0, bytes: 4)
        expectError(d, "is stored but declares")
        d = original
        patch(&d, at: cd + 42, 0x7FFF_0000, bytes: 4)
        expectError(d, "past the end")
        // The end record claims more entries than its directory can hold.
        d = original
        patch(&d, at: d.count - 22 + 10, 0xFFF0, bytes: 2)
        expectError(d, "entries but its directory has room")
        // ZIP64: saturated end record, a locator, and a ZIP64 record pointing far past the end.
        for (offset, size) in [(UInt64(1) << 62, UInt64(46)), (UInt64(0), UInt64.max >> 1), (UInt64.max, UInt64(46))] {
            var z = original.prefix(original.count - 22)
            let recordAt = UInt64(z.count)
            var rec = Data([0x50, 0x4B, 0x06, 0x06]) + Data(count: 52)
            patch(&rec, at: 4, 44, bytes: 8)
            patch(&rec, at: 24, 1, bytes: 8); patch(&rec, at: 32, 1, bytes: 8)
            patch(&rec, at: 40, size, bytes: 8); patch(&rec, at: 48, offset, bytes: 8)
            var loc = Data([0x50, 0x4B, 0x06, 0x07]) + Data(count: 16)
            patch(&loc, at: 8, recordAt, bytes: 8)
            var eocd = Data([0x50, 0x4B, 0x05, 0x06]) + Data(count: 18)
            patch(&eocd, at: 8, 0xFFFF, bytes: 2); patch(&eocd, at: 10, 0xFFFF, bytes: 2)
            patch(&eocd, at: 12, 0xFFFF_FFFF, bytes: 4); patch(&eocd, at: 16, 0xFFFF_FFFF, bytes: 4)
            z += rec + loc + eocd
            XCTAssertNotNil(attempt(z), "ZIP64 offset \(offset) size \(size)")
        }
        // Legacy: a storage that declares more elements than the file holds.
        let legacy = try InteropFixtures.bytes("reader-legacy.pth")
        XCTAssertNotNil(attempt(legacy.prefix(legacy.count - 1)))
    }

    static let knownOpcodes: Set<UInt8> = [
        0x80, 0x95, 0x28, 0x30, 0x31, 0x32, 0x4E, 0x88, 0x89, 0x4B, 0x4D, 0x4A, 0x8A, 0x8B, 0x49, 0x4C, 0x46, 0x47,
        0x58, 0x8C, 0x8D, 0x56, 0x55, 0x54, 0x53, 0x43, 0x42, 0x8E, 0x96, 0x29, 0x85, 0x86, 0x87, 0x74, 0x5D, 0x6C,
        0x61, 0x65, 0x7D, 0x64, 0x73, 0x75, 0x8F, 0x90, 0x91, 0x70, 0x71, 0x72, 0x94, 0x67, 0x68, 0x6A, 0x63, 0x93,
        0x69, 0x6F, 0x52, 0x81, 0x92, 0x62, 0x50, 0x51, 0x82, 0x83, 0x84, 0x97, 0x98, 0x2E,
    ]

    func testUnknownOpcodes() throws {
        for op in 0...255 where !Self.knownOpcodes.contains(UInt8(op)) {
            let m = PickleMachine(Data([0x80, 0x02, UInt8(op), 0x2E])) { _ in .none }
            XCTAssertThrowsError(try m.run()) { e in
                XCTAssertTrue("\(e)".contains(String(format: "unknown pickle opcode 0x%02x", op)), "\(e)")
            }
        }
        // Through a whole archive, too.
        expectError(try InteropFixtures.torchZip(pickle: [0x80, 0x02, 0xFF, 0x2E]), "unknown pickle opcode 0xff")
        // Every known opcode on an empty or short stack is an error, not a trap.
        for op in Self.knownOpcodes {
            for tail in [[UInt8](), [0x2E], [0x00, 0x00, 0x2E]] {
                let m = PickleMachine(Data([0x80, 0x02, op] + tail)) { _ in .none }
                _ = try? m.run()
                m.teardown()
            }
        }
    }

    func testDeepNestingAndCycles() throws {
        // 200 000 nested lists (MARK … LIST), a list containing itself, tuples nested too deep.
        let depth = 200_000
        let nested = PickleMachine(Data([0x80, 0x02] + [UInt8](repeating: 0x28, count: depth) + [UInt8](repeating: 0x6C, count: depth) + [0x2E])) { _ in .none }
        XCTAssertNoThrow(try nested.run())
        nested.teardown()
        let cycle = PickleMachine(Data([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E])) { _ in .none }   // l = []; l.append(l)
        guard case .list(let l) = try cycle.run() else { return XCTFail() }
        XCTAssertTrue(l.items.count == 1)
        cycle.teardown()
        XCTAssertTrue(l.items.isEmpty, "teardown empties containers (breaks the cycle)")
        var tuples = [UInt8](repeating: 0x29, count: 1)   // EMPTY_TUPLE
        tuples += [UInt8](repeating: 0x85, count: 100)    // TUPLE1 × 100
        XCTAssertThrowsError(try PickleMachine(Data([0x80, 0x02] + tuples + [0x2E])) { _ in .none }.run()) { e in
            XCTAssertTrue("\(e)".contains("nested more than"), "\(e)")
        }
        expectError(try InteropFixtures.torchZip(pickle: [0x80, 0x02] + [UInt8](repeating: 0x28, count: 5000) + [UInt8](repeating: 0x6C, count: 5000) + [0x2E]),
                    "not a dict")
    }

    /// SplitMix64: a fixed stream of mutations, the same in every run.
    struct Mutations {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// REIDKD_FUZZ_ITERATIONS=N runs N mutations per file (and REIDKD_FUZZ_SEED another stream).
    func testRandomMutationsNeverCrash() throws {
        let env = ProcessInfo.processInfo.environment
        let iterations = env["REIDKD_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 1500
        var rng = Mutations(state: env["REIDKD_FUZZ_SEED"].flatMap(UInt64.init) ?? 18)
        var errors = 0, loads = 0
        for name in ["reader-zip.pth", "reader-legacy.pth"] {
            let original = try InteropFixtures.bytes(name)
            for _ in 0..<iterations {
                var d = original
                switch rng.below(4) {
                case 0:   // a few random bytes
                    for _ in 0...rng.below(4) { d[rng.below(d.count)] = UInt8(truncatingIfNeeded: rng.next()) }
                case 1:   // an extreme value written over a length or offset
                    let at = rng.below(d.count - 8)
                    let v: UInt64 = [0, 0xFF, 0xFFFF, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF, UInt64.max][rng.below(6)]
                    for i in 0..<(1 + rng.below(8)) { d[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
                case 2:   // a range duplicated
                    let a = rng.below(d.count), n = rng.below(64)
                    d.insert(contentsOf: d[a..<min(d.count, a + n)], at: rng.below(d.count))
                default:  // a range deleted
                    let a = rng.below(d.count)
                    d.removeSubrange(a..<min(d.count, a + 1 + rng.below(32)))
                }
                if attempt(d) == nil { loads += 1 } else { errors += 1 }
            }
        }
        XCTAssertGreaterThan(errors, iterations, "most mutations are detected (loads: \(loads))")
    }

    /// The zip format's pickle mutated behind a valid CRC: the machine and the state-dict
    /// extraction see every kind of damage (the CRC would otherwise catch it first).
    func testMutatedPicklesNeverCrash() throws {
        let zip = try ZipArchive(data: try InteropFixtures.bytes("reader-zip.pth"), path: "")
        let pickle = try zip.contents(of: zip.entries.first { $0.name.hasSuffix("data.pkl") }!)
        let iterations = ProcessInfo.processInfo.environment["REIDKD_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 3000
        var rng = Mutations(state: 1801)
        var failures = 0
        for _ in 0..<iterations {
            var d = Data(pickle)
            for _ in 0...rng.below(3) { d[rng.below(d.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            let m = PickleMachine(d, persistentLoad: TorchCheckpoint.zipStorage)
            do {
                let sd = try StateDictExtraction.extract(try m.run())
                for e in sd.entries { _ = try e.tensor.validated(name: e.name) }
            } catch { failures += 1 }
            m.teardown()
        }
        XCTAssertGreaterThan(failures, 0)
    }
}
