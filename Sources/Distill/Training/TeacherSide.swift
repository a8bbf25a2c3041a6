// The teacher side of a distillation run: one frozen teacher, or several (a sweep's `teachers:`)
// whose logits and embeddings are combined as a weighted sum (weights normalised to 1: equal
// weights give the mean). Each teacher's outputs come from its own teacher-output cache — keyed
// by its own weights — when every sample of the batch is there, else from its forward.
import Foundation
import Tensor
import Config
import NN
import Data

public final class TeacherSide {
    public struct Member {
        public let teacher: Teacher
        public let weight: Float
        let cache: TeacherCache?
    }
    public let members: [Member]
    let needs: TermNeeds

    /// `teachers` with their weights (normalised here); `cacheRoot` nil = no cache.
    init(_ teachers: [(teacher: Teacher, weight: Double)], needs: TermNeeds, cacheRoot: String?, datasetFingerprint: () throws -> String,
         student: ResolvedConfig) throws {
        precondition(!teachers.isEmpty, "TeacherSide: no teacher")
        let total = teachers.reduce(0) { $0 + $1.weight }
        guard total > 0, teachers.allSatisfy({ $0.weight >= 0 }) else {
            throw TrainError("teacher weights must be ≥ 0 and not all 0, got \(teachers.map(\.weight))")
        }
        if teachers.count > 1 {
            if needs.contains(.stages) || needs.contains(.preReLUStages) {
                throw TrainError("KD.METHOD terms on stage maps (hint, overhaul) need one teacher; this run has \(teachers.count)")
            }
            let classes = Set(teachers.map { $0.teacher.model.spec.numClasses }), dims = Set(teachers.map { $0.teacher.model.heads.inFeatures })
            if needs.contains(.logits) && classes.count > 1 { throw TrainError("teachers score different numbers of classes (\(classes.sorted())); logit terms cannot combine them") }
            if needs.contains(.embedding) && dims.count > 1 { throw TrainError("teachers have different embedding widths (\(dims.sorted())); embedding terms cannot combine them") }
        }
        let fingerprint = cacheRoot == nil || !needs.isCacheable ? "" : try datasetFingerprint()
        members = teachers.map { t, w in
            let m = t.model
            let cache = (cacheRoot == nil || !needs.isCacheable) ? nil
                : TeacherCache(root: cacheRoot!, key: TeacherCacheKey(teacher: t, datasetFingerprint: fingerprint, student: student),
                               logitDim: m.spec.numClasses, embedDim: m.heads.inFeatures)
            return Member(teacher: t, weight: Float(w / total), cache: cache)
        }
        self.needs = needs
    }

    /// Teacher outputs for a batch (combined when there are several teachers). `epoch`, the
    /// batch's epoch iterator, lets a cache that waits for rows another run computes fill the
    /// epoch's later batches meanwhile.
    func outputs(_ batch: Batch, samplesInEpoch: Int, epoch: BatchIterator? = nil) throws -> TeacherOutput {
        let outs = try members.map { try output($0, batch, samplesInEpoch: samplesInEpoch, epoch: epoch) }
        guard outs.count > 1 else { return outs[0] }
        return withNoGrad {
            var logits = outs[0].logits * members[0].weight, embedding = outs[0].embedding * members[0].weight
            for (o, m) in zip(outs.dropFirst(), members.dropFirst()) {
                if needs.contains(.logits) { logits = logits + o.logits * m.weight }
                if needs.contains(.embedding) { embedding = embedding + o.embedding * m.weight }
            }
            return TeacherOutput(logits: logits, embedding: embedding, stages: [])
        }
    }

    func output(_ m: Member, _ batch: Batch, samplesInEpoch: Int, epoch: BatchIterator? = nil) throws -> TeacherOutput {
        // The key was made with the teacher's numerics at construction; should they change
        // since (Teacher.bf16 set by hand), the rows are not this forward's: run online.
        let cache = m.cache.flatMap { $0.key.teacherNumerics == m.teacher.numerics ? $0 : nil }
        let forward = { m.teacher.forward(batch.images, stages: self.needs.contains(.stages), preActivation: self.needs.contains(.preReLUStages)) }
        guard let c = cache else { return forward() }
        // Concurrent runs of one cache key compute each batch once (TeacherCache.outputs).
        var online: TeacherOutput?
        let rows = try c.outputs(epoch: batch.epoch, samples: batch.sampleIndices, samplesInEpoch: samplesInEpoch, compute: {
            let out = forward()
            online = out
            return (out.logits, out.embedding)
        }, help: { try self.fillAhead(m, cache: c, epoch: epoch, samplesInEpoch: samplesInEpoch) })
        return online ?? TeacherOutput(logits: rows.logits, embedding: rows.embeddings, stages: [])
    }

    /// Fills the first later batch of the epoch whose rows are missing and that no other run is
    /// computing; false when there is none.
    func fillAhead(_ m: Member, cache c: TeacherCache, epoch it: BatchIterator?, samplesInEpoch: Int) throws -> Bool {
        guard let it else { return false }
        for b in it.position..<it.count {
            let filled = try c.fillAhead(epoch: it.epoch, samples: it.samples(ofBatch: b), samplesInEpoch: samplesInEpoch) {
                let out = m.teacher.forward(try it.batch(at: b).images, stages: false, preActivation: false)
                return (out.logits, out.embedding)
            }
            if filled { return true }
        }
        return false
    }

    /// The share of teacher outputs read from the caches (nil without a cache).
    var cacheHitRate: Double? {
        let caches = members.compactMap(\.cache)
        guard !caches.isEmpty else { return nil }
        let hits = caches.reduce(0) { $0 + $1.hits }, all = caches.reduce(0) { $0 + $1.hits + $1.misses }
        return all == 0 ? 0 : Double(hits) / Double(all)
    }
}
