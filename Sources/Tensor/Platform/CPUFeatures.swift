// What the CPU can run, read with cpuid and xgetbv: the vector ISA tier that decides which
// OpenBLAS kernel family is the fastest one this machine can use (BLASKernel.swift), and a
// one-line description every run records. A feature counts only when the OS also saves its
// registers (XCR0), as a hypervisor may hide AVX-512 state even when cpuid lists it.
import CCPUID
import Foundation

public struct CPUFeatures: Sendable, Equatable, CustomStringConvertible {
    /// The widest vector ISA whose kernels this CPU runs, in increasing order.
    public enum Tier: Int, Comparable, Sendable, CustomStringConvertible {
        case baseline = 0   // SSE-era kernels only
        case avx2 = 1       // AVX2 + FMA (OpenBLAS Haswell/Zen kernels)
        case avx512 = 2     // AVX-512 F/BW/DQ/VL (OpenBLAS SkylakeX/Cooperlake kernels)
        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["SSE", "AVX2+FMA", "AVX-512"][rawValue] }
    }

    public var vendor: String
    public var brand: String
    public var family: Int
    public var model: Int
    public var avx2: Bool
    public var fma: Bool
    public var avx512f: Bool
    /// BW, DQ and VL: what OpenBLAS's SkylakeX kernels use besides F.
    public var avx512bwdqvl: Bool
    public var avx512bf16: Bool

    public init(vendor: String, brand: String, family: Int, model: Int, avx2: Bool, fma: Bool,
                avx512f: Bool, avx512bwdqvl: Bool, avx512bf16: Bool) {
        self.vendor = vendor; self.brand = brand; self.family = family; self.model = model
        self.avx2 = avx2; self.fma = fma; self.avx512f = avx512f
        self.avx512bwdqvl = avx512bwdqvl; self.avx512bf16 = avx512bf16
    }

    public var tier: Tier {
        if avx512f && avx512bwdqvl && avx2 && fma { return .avx512 }
        if avx2 && fma { return .avx2 }
        return .baseline
    }

    /// "AMD EPYC (AuthenticAMD family 25 model 17; AVX-512, BF16)".
    public var description: String {
        let name = brand.isEmpty ? vendor : brand
        return "\(name) (\(vendor) family \(family) model \(model); \(tier)\(avx512bf16 ? ", BF16" : ""))"
    }

    /// This machine, read once.
    public static let host: CPUFeatures = read()

    static func cpuid(_ leaf: UInt32, _ sub: UInt32 = 0) -> [UInt32] {
        var r: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &r) { reidkd_cpuid(leaf, sub, $0.baseAddress!.assumingMemoryBound(to: UInt32.self)) }
        return [r.0, r.1, r.2, r.3]
    }

    static func text(_ regs: [UInt32]) -> String {
        var bytes: [UInt8] = []
        for r in regs { for i in 0..<4 { bytes.append(UInt8((r >> (8 * UInt32(i))) & 0xff)) } }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func read() -> CPUFeatures {
        let l0 = cpuid(0)
        let maxLeaf = l0[0]
        let vendor = text([l0[1], l0[3], l0[2]])
        guard maxLeaf >= 1 else {
            return CPUFeatures(vendor: vendor, brand: "", family: 0, model: 0, avx2: false, fma: false,
                               avx512f: false, avx512bwdqvl: false, avx512bf16: false)
        }
        let l1 = cpuid(1)
        let baseFamily = Int((l1[0] >> 8) & 0xf), baseModel = Int((l1[0] >> 4) & 0xf)
        let family = baseFamily == 0xf ? baseFamily + Int((l1[0] >> 20) & 0xff) : baseFamily
        let model = baseFamily == 0x6 || baseFamily == 0xf ? baseModel | Int((l1[0] >> 12) & 0xf0) : baseModel
        let osxsave = l1[2] & (1 << 27) != 0
        let xcr0 = osxsave ? reidkd_xgetbv0() : 0
        let osAVX = xcr0 & 0x6 == 0x6, osAVX512 = xcr0 & 0xe6 == 0xe6
        let fma = osAVX && l1[2] & (1 << 12) != 0
        var l7: [UInt32] = [0, 0, 0, 0], l7s1: [UInt32] = [0, 0, 0, 0]
        if maxLeaf >= 7 { l7 = cpuid(7); if l7[0] >= 1 { l7s1 = cpuid(7, 1) } }
        let avx2 = osAVX && l7[1] & (1 << 5) != 0
        let f = osAVX512 && l7[1] & (1 << 16) != 0
        let dq = l7[1] & (1 << 17) != 0, bw = l7[1] & (1 << 30) != 0, vl = l7[1] & (1 << 31) != 0
        let bf16 = f && l7s1[0] & (1 << 5) != 0
        var brand = ""
        if cpuid(0x8000_0000)[0] >= 0x8000_0004 {
            brand = text(cpuid(0x8000_0002) + cpuid(0x8000_0003) + cpuid(0x8000_0004))
                .trimmingCharacters(in: .whitespaces)
        }
        return CPUFeatures(vendor: vendor, brand: brand, family: family, model: model, avx2: avx2, fma: fma,
                           avx512f: f, avx512bwdqvl: f && bw && dq && vl, avx512bf16: bf16)
    }
}
