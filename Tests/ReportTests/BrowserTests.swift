// The HTML report in a real browser: headless Chromium renders report.html to a PNG screenshot,
// which must show the page (mostly white, but with a fair amount of ink and several colours from
// the table highlights and charts). Skipped, saying why, when no Chromium is installed
// (`make test` installs chromium-headless-shell unless NO_BROWSER=1).
import XCTest
import Data
@testable import Report

final class BrowserTests: XCTestCase {
    static let candidates = ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"]

    static func findBrowser() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in candidates {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    func testChromiumRendersTheReport() throws {
        guard let browser = Self.findBrowser() else {
            print("BrowserTests: skipped — no Chromium found on PATH (\(Self.candidates.joined(separator: ", "))); `apt-get install chromium-headless-shell` or `make test` installs it")
            throw XCTSkip("no headless Chromium installed")
        }
        let dir = Fixtures.tempDir("browser", self)
        try Fixtures.makeStore(at: dir)
        let o = try ReportGenerator.run(ReportOptions(storePath: dir + "/reidkd.sqlite", outDir: dir + "/report", formats: [.html]))
        let shot = dir + "/shot.png"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--screenshot=\(shot)",
                       "--window-size=1280,1600", "file://\(o.outDir)/report.html"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "\(browser) failed")
        let img = try ImageIO.load(shot)
        XCTAssertEqual(img.width, 1280)
        var ink = 0, colours = Set<Int>()
        for i in stride(from: 0, to: img.pixels.count, by: 3) {
            let (r, g, b) = (Int(img.pixels[i]), Int(img.pixels[i + 1]), Int(img.pixels[i + 2]))
            if r + g + b < 600 { ink += 1 }
            colours.insert((r >> 4) << 8 | (g >> 4) << 4 | b >> 4)
        }
        let frac = Double(ink) / Double(img.width * img.height)
        XCTAssertGreaterThan(frac, 0.01, "screenshot is (almost) blank")
        XCTAssertLessThan(frac, 0.9, "screenshot is (almost) all dark")
        XCTAssertGreaterThan(colours.count, 20, "expected table highlights and chart colours")
    }
}
