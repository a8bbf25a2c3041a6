// Direct depthwise convolution (groups = Cin = Cout): one kH×kW filter per channel plane.
// A GEMM per plane would be 1×(kH·kW) by (kH·kW)×HoWo — far too thin for sgemm — so we loop:
// for every tap (ki, kj) add w·(shifted input row) into the output row. Planes (n, c) are
// independent and split across workers.

func depthwiseForward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                      _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
    let g = p.geo, kk = g.kernelH * g.kernelW, hw = p.h * p.w, hwo = p.hwo
    Parallel.forRange(p.n * p.cin, grain: Swift.max(1, 8192 / Swift.max(hwo * kk, 1))) { planes in
        for plane in planes {
            let c = plane % p.cin
            let xp = x + plane * hw, yp = y + plane * hwo, wc = w + c * kk
            yp.update(repeating: bias?[c] ?? 0, count: hwo)
            for ki in 0..<g.kernelH {
                for kj in 0..<g.kernelW {
                    let wv = wc[ki * g.kernelW + kj]
                    let (lo, hi) = g.validCols(kj: kj, w: p.w, wo: p.wo)
                    if hi <= lo { continue }
                    let xoff = kj * g.dilationW - g.padW
                    for oy in 0..<p.ho {
                        let iy = oy * g.strideH - g.padH + ki * g.dilationH
                        if iy < 0 || iy >= p.h { continue }
                        let src = xp + iy * p.w + xoff, dst = yp + oy * p.wo
                        if g.strideW == 1 {
                            for ox in lo..<hi { dst[ox] += wv * src[ox] }
                        } else {
                            let s = g.strideW
                            for ox in lo..<hi { dst[ox] += wv * src[ox * s] }
                        }
                    }
                }
            }
        }
    }
}

func depthwiseBackward(_ p: ConvPlan, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                       _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>?, _ db: UnsafeMutablePointer<Float>?) {
    let g = p.geo, kk = g.kernelH * g.kernelW, hw = p.h * p.w, hwo = p.hwo
    let planesCount = p.n * p.cin
    // Per-plane partial filter gradients, summed over the batch afterwards (no shared writes).
    let dwPlanes = dw == nil ? nil : Storage(count: planesCount * kk)
    let dbPlanes = db == nil ? nil : Storage(count: planesCount)
    Parallel.forRange(planesCount, grain: Swift.max(1, 8192 / Swift.max(hwo * kk, 1))) { planes in
        for plane in planes {
            let c = plane % p.cin
            let xp = x + plane * hw, gp = dy + plane * hwo, wc = w + c * kk
            if let dbp = dbPlanes { dbp.pointer[plane] = sumRun(gp, hwo) }
            let dxp = dx.map { $0 + plane * hw }
            dxp?.update(repeating: 0, count: hw)
            for ki in 0..<g.kernelH {
                for kj in 0..<g.kernelW {
                    let t = ki * g.kernelW + kj
                    let wv = wc[t]
                    let (lo, hi) = g.validCols(kj: kj, w: p.w, wo: p.wo)
                    var acc: Float = 0
                    if hi > lo {
                        let xoff = kj * g.dilationW - g.padW
                        for oy in 0..<p.ho {
                            let iy = oy * g.strideH - g.padH + ki * g.dilationH
                            if iy < 0 || iy >= p.h { continue }
                            let src = xp + iy * p.w + xoff, grow = gp + oy * p.wo
                            let s = g.strideW
                            if dwPlanes != nil {
                                if s == 1 { for ox in lo..<hi { acc += grow[ox] * src[ox] } }
                                else { for ox in lo..<hi { acc += grow[ox] * src[ox * s] } }
                            }
                            if let dxp = dxp {
                                let dst = dxp + iy * p.w + xoff
                                if s == 1 { for ox in lo..<hi { dst[ox] += wv * grow[ox] } }
                                else { for ox in lo..<hi { dst[ox * s] += wv * grow[ox] } }
                            }
                        }
                    }
                    if let dwp = dwPlanes { dwp.pointer[plane * kk + t] = acc }
                }
            }
        }
    }
    if let dw = dw, let parts = dwPlanes {
        dw.update(repeating: 0, count: p.cin * kk)
        for n in 0..<p.n { for i in 0..<(p.cin * kk) { dw[i] += parts.pointer[n * p.cin * kk + i] } }
    }
    if let db = db, let parts = dbPlanes {
        db.update(repeating: 0, count: p.cin)
        for n in 0..<p.n { for c in 0..<p.cin { db[c] += parts.pointer[n * p.cin + c] } }
    }
}
