// `reidkd data synth|stats|fingerprint` — thin wrappers over module Data.
import ArgumentParser
import Data
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Synthetic data generation and dataset inspection.",
        subcommands: [DataSynthCommand.self, DataStatsCommand.self, DataSheetCommand.self])
}

struct DataSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth", abstract: "Write the synthetic re-id dataset (Market-1501 layout of PNGs).")

    @Option(help: "Output folder.") var out: String
    @Option(help: "Identities (half train, half test).") var ids: Int = SynthConfig().ids
    @Option(help: "Cameras (2…9).") var cams: Int = SynthConfig().cameras
    @Option(name: .customLong("images-per-id"), help: "Images per identity.") var imagesPerId: Int = SynthConfig().imagesPerId
    @Option(help: "Image size HxW, e.g. 128x64.") var size: String = "\(SynthConfig().height)x\(SynthConfig().width)"
    @Option(help: "Random seed.") var seed: UInt64 = SynthConfig().seed
    @Option(name: .customLong("group-size"), help: "Identities per near-duplicate group (1 = none).") var groupSize: Int = SynthConfig().groupSize
    @Option(name: .customLong("group-fraction"), help: "Fraction of identities in near-duplicate groups.") var groupFraction: Float = SynthConfig().groupFraction
    @Option(name: .customLong("fine-differences"), help: "Fine attributes that differ inside a group (1 or 2).") var fineDifferences: Int = SynthConfig().fineDifferences
    @Option(name: .customLong("palette"), help: "Clothing colours (2…16).") var palette: Int = SynthConfig().paletteSize
    @Option(name: .customLong("camera-strength"), help: "Scale of camera cast/brightness/contrast/blur/noise.") var cameraStrength: Float = SynthConfig().cameraStrength
    @Option(help: "Background clutter density.") var clutter: Float = SynthConfig().clutter
    @Option(help: "Probability of a partial occluder.") var occlusion: Float = SynthConfig().occlusionProb
    @Option(help: "pid-0 distractor images in the gallery.") var distractors: Int = SynthConfig().distractors
    @Option(help: "pid −1 junk images in the gallery.") var junk: Int = SynthConfig().junk
    @Flag(help: "Replace previously generated data in --out.") var force = false

    func run() throws {
        var c = SynthConfig()
        let hw = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard hw.count == 2 else { throw CLIFailure(description: "--size must look like 128x64 (height x width), got '\(size)'") }
        (c.ids, c.cameras, c.imagesPerId, c.height, c.width, c.seed) = (ids, cams, imagesPerId, hw[0], hw[1], seed)
        (c.groupSize, c.groupFraction, c.fineDifferences, c.paletteSize) = (groupSize, groupFraction, fineDifferences, palette)
        (c.cameraStrength, c.clutter, c.occlusionProb, c.distractors, c.junk) = (cameraStrength, clutter, occlusion, distractors, junk)
        let s = try SynthGenerator(c).write(to: out, overwrite: force)
        print("wrote \(s.trainImages + s.queryImages + s.galleryImages) images to \(out) in \(String(format: "%.1f", s.seconds)) s")
        print("  train \(s.trainIds) ids / \(s.trainImages) images; test \(s.testIds) ids: query \(s.queryImages), gallery \(s.galleryImages) (incl. \(s.distractors) distractors, \(s.junk) junk)")
        let ds = try DatasetLayouts.load("market1501", root: out)
        print(ds.statisticsTable)
        print("fingerprint: \(try ds.fingerprint())")
    }
}

struct DataStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Parse a dataset folder and print FastReID-style statistics and its fingerprint.")

    @Argument(help: "Dataset root folder.") var dir: String
    @Option(help: "Layout: \(DatasetLayouts.names.joined(separator: ", ")).") var layout: String = "market1501"
    @Flag(name: .customLong("skip-bad"), help: "Skip unparsable, empty or corrupt files and summarise them.") var skipBad = false
    @Flag(help: "Decode every image to find corrupt files (slow on big sets).") var verify = false

    func run() throws {
        let ds = try DatasetLayouts.load(layout, root: dir, options: LayoutOptions(skipBad: skipBad, verifyImages: verify))
        print(ds.statisticsTable)
        print("train ids relabelled 0…\(ds.numTrainPids - 1); fingerprint: \(try ds.fingerprint())")
        if skipBad { print(ds.skipped.summary) }
    }
}

struct DataSheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet", abstract: "Tile the images of a dataset split into one PNG (for a look at the data).")

    @Argument(help: "Dataset root folder.") var dir: String
    @Option(help: "Layout: \(DatasetLayouts.names.joined(separator: ", ")).") var layout: String = "market1501"
    @Option(help: "Split: train, query or gallery.") var split: String = "train"
    @Option(help: "Number of images (the first ones in pid order).") var count: Int = 48
    @Option(help: "Images per row.") var columns: Int = 12
    @Option(help: "Output PNG.") var out: String

    func run() throws {
        let ds = try DatasetLayouts.load(layout, root: dir)
        let recs: [ImageRecord]
        switch split {
        case "train": recs = ds.train
        case "query": recs = ds.query
        case "gallery": recs = ds.gallery
        default: throw CLIFailure(description: "--split must be train, query or gallery, got '\(split)'")
        }
        let images = try recs.sorted { ($0.pid, $0.path) < ($1.pid, $1.path) }.prefix(count).map { try ImageIO.load($0.path) }
        guard let first = images.first else { throw CLIFailure(description: "\(dir): the \(split) split is empty; choose another --split") }
        try ImageIO.savePNG(ContactSheet.make(images, columns: columns, cellHeight: first.height, cellWidth: first.width), to: out)
        print("wrote \(out) (\(images.count) images)")
    }
}
