// The one chart type of the report: an x–y chart in inline SVG with any number of series, each
// drawn as a line, as labelled markers, or both. Scatter plots with a Pareto line, training
// curves and CMC curves are all this. Output is XML-clean (every tag closed, text escaped) so
// the HTML report stays parseable as XHTML.
import Foundation

public struct ChartSeries: Sendable {
    public enum Style: Sendable { case line, markers, lineAndMarkers, dashedLine }
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var style: Style
    public var color: String
    /// Optional text next to each marker (same count as points).
    public var labels: [String]?

    public init(name: String, points: [(x: Double, y: Double)], style: Style, color: String, labels: [String]? = nil) {
        self.name = name; self.points = points; self.style = style; self.color = color; self.labels = labels
    }
}

public struct SVGChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var width: Double
    public var height: Double

    /// Colours chosen to stay distinguishable in print and for common colour-vision deficiencies.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries],
                width: Double = ReportDefaults.chartWidth, height: Double = ReportDefaults.chartHeight) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.width = width; self.height = height
    }

    public func render() -> String {
        let pts = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let left = 58.0, right = 22.0, top = 28.0, bottom = 40.0
        let legendRows = Double(series.count > 1 ? (series.count + 2) / 3 : 0)
        let plotTop = top + legendRows * 14
        let pw = width - left - right, ph = height - plotTop - bottom
        var s = "<svg width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">"
        s += "<title>\(XML.escape(title))</title>"
        s += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>"
        s += "<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(XML.escape(title))</text>"
        guard !pts.isEmpty else {
            return s + "<text x=\"\(f(width / 2))\" y=\"\(f(height / 2))\" text-anchor=\"middle\" fill=\"#888888\">no data</text></svg>"
        }
        let xs = Self.niceTicks(pts.map(\.x).min()!, pts.map(\.x).max()!)
        let ys = Self.niceTicks(pts.map(\.y).min()!, pts.map(\.y).max()!)
        let (x0, x1, y0, y1) = (xs.first!, xs.last!, ys.first!, ys.last!)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { plotTop + ph - (y - y0) / (y1 - y0) * ph }
        // Grid, ticks, axes.
        for t in xs {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(plotTop))\" x2=\"\(f(px(t)))\" y2=\"\(f(plotTop + ph))\" stroke=\"#e6e6e6\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(plotTop + ph + 14))\" text-anchor=\"middle\">\(Self.tickText(t, step: xs[1] - xs[0]))</text>"
        }
        for t in ys {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(t)))\" stroke=\"#e6e6e6\"/>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.tickText(t, step: ys[1] - ys[0]))</text>"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(plotTop))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#444444\"/>"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(XML.escape(xLabel))</text>"
        s += "<text x=\"12\" y=\"\(f(plotTop + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(plotTop + ph / 2)))\">\(XML.escape(yLabel))</text>"
        // Series; marker labels are placed afterwards, all series together.
        var labelled: [(x: Double, y: Double, text: String)] = []
        for ser in series {
            let p = ser.points.filter { $0.x.isFinite && $0.y.isFinite }
            if ser.style != .markers, p.count > 1 {
                let path = p.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                let dash = ser.style == .dashedLine ? " stroke-dasharray=\"5,3\"" : ""
                s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"1.6\"\(dash)/>"
            }
            if ser.style == .markers || ser.style == .lineAndMarkers || p.count == 1 {
                for (i, q) in ser.points.enumerated() where q.x.isFinite && q.y.isFinite {
                    s += "<circle cx=\"\(f(px(q.x)))\" cy=\"\(f(py(q.y)))\" r=\"4\" fill=\"\(ser.color)\" stroke=\"#ffffff\"/>"
                    if let l = ser.labels, i < l.count, !l[i].isEmpty { labelled.append((px(q.x), py(q.y), l[i])) }
                }
            }
        }
        for c in Self.labelClusters(labelled) {
            let anchor = c.x > left + pw * 0.7 ? "end" : "start"
            let ly = max(plotTop + 10, c.y - 5)
            s += "<text x=\"\(f(c.x + (anchor == "end" ? -6 : 6)))\" y=\"\(f(ly))\" text-anchor=\"\(anchor)\" font-size=\"10\" fill=\"#333333\">\(XML.escape(c.text))</text>"
        }
        // Legend: up to three entries per row above the plot.
        if series.count > 1 {
            let colW = (width - left) / 3
            for (i, ser) in series.enumerated() {
                let lx = left + Double(i % 3) * colW, ly = top + Double(i / 3) * 14
                s += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(ser.color)\"/>"
                s += "<text x=\"\(f(lx + 14))\" y=\"\(f(ly + 1))\">\(XML.escape(ser.name))</text>"
            }
        }
        return s + "</svg>"
    }

    /// Marker labels closer than a line apart are merged into one label at the topmost point,
    /// shared leading words written once: `mobilenetv2 ×0.5: none, kl, kl+mse`.
    static func labelClusters(_ pts: [(x: Double, y: Double, text: String)]) -> [(x: Double, y: Double, text: String)] {
        var clusters: [[(x: Double, y: Double, text: String)]] = []
        for p in pts {
            if let i = clusters.firstIndex(where: { $0.contains { abs($0.x - p.x) < 40 && abs($0.y - p.y) < 12 } }) { clusters[i].append(p) }
            else { clusters.append([p]) }
        }
        return clusters.map { c in
            let top = c.min { $0.y < $1.y }!
            guard c.count > 1 else { return top }
            let words = c.map { $0.text.split(separator: " ").map(String.init) }
            var shared = 0
            while words.allSatisfy({ $0.count > shared + 1 }) && Set(words.map { $0[shared] }).count == 1 { shared += 1 }
            let rest = words.map { $0.dropFirst(shared).joined(separator: " ") }
            let text = (shared > 0 ? words[0].prefix(shared).joined(separator: " ") + ": " : "") + rest.joined(separator: ", ")
            return (top.x, top.y, text)
        }
    }

    /// The chart as a standalone `.svg` file (needs the SVG namespace; inline HTML does not).
    public func standaloneFile() -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + render().replacingOccurrences(
            of: "<svg ", with: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", options: [], range: nil) + "\n"
    }

    /// 4–8 round tick values covering [lo, hi] (a flat series gets a small band around it).
    public static func niceTicks(_ lo: Double, _ hi: Double) -> [Double] {
        var lo = lo, hi = hi
        if hi - lo < 1e-12 * max(1, abs(hi)) { let d = lo == 0 ? 1 : abs(lo) * 0.1; lo -= d; hi += d }
        let raw = (hi - lo) / 5
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let start = floor(lo / step) * step, end = ceil(hi / step) * step
        let n = Int(((end - start) / step).rounded())
        return (0...n).map { start + Double($0) * step }
    }

    static func tickText(_ v: Double, step: Double) -> String {
        let digits = max(0, Int(-floor(log10(step) + 1e-9)) + (step / pow(10, floor(log10(step))) == 2.5 ? 1 : 0))
        let s = String(format: "%.\(min(digits, 8))f", v)
        return s == "-0" ? "0" : s
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Escaping for XML/XHTML text and attribute values.
public enum XML {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
