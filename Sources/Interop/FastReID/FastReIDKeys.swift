// FastReID 1.4's config keys (fastreid/config/defaults.py) and what an import does with each:
// the keys that decide the eval-mode model or its evaluation are mapped (FastReIDMapping.swift),
// with FastReID's defaults for those a file leaves out (its WITH_BNNECK default is false, ours
// true); every other FastReID key only matters for training and is listed as ignored with the
// reason. A key FastReID 1.4 does not have (a project's own) is reported as unknown.

enum FastReIDKeys {
    /// Keys the mapping reads, with FastReID 1.4's defaults.
    static let defaults: [String: Any] = [
        "MODEL.META_ARCHITECTURE": "Baseline",
        "MODEL.BACKBONE.NAME": "build_resnet_backbone",
        "MODEL.BACKBONE.DEPTH": "50x",
        "MODEL.BACKBONE.LAST_STRIDE": 1,
        "MODEL.BACKBONE.FEAT_DIM": 2048,
        "MODEL.BACKBONE.NORM": "BN",
        "MODEL.BACKBONE.WITH_IBN": false,
        "MODEL.BACKBONE.WITH_SE": false,
        "MODEL.BACKBONE.WITH_NL": false,
        "MODEL.HEADS.NAME": "EmbeddingHead",
        "MODEL.HEADS.NORM": "BN",
        "MODEL.HEADS.NUM_CLASSES": 0,
        "MODEL.HEADS.EMBEDDING_DIM": 0,
        "MODEL.HEADS.WITH_BNNECK": false,
        "MODEL.HEADS.POOL_LAYER": "GlobalAvgPool",
        "MODEL.HEADS.CLS_LAYER": "Linear",
        "MODEL.HEADS.SCALE": 1.0,
        "MODEL.HEADS.MARGIN": 0.0,
        "MODEL.PIXEL_MEAN": [123.675, 116.28, 103.53],
        "MODEL.PIXEL_STD": [58.395, 57.12, 57.375],
        "INPUT.SIZE_TEST": [256, 128],
        "INPUT.CROP.ENABLED": false,
        "TEST.METRIC": "cosine",
        "TEST.FLIP.ENABLED": false,
        "TEST.RERANK.ENABLED": false,
        "TEST.RERANK.K1": 20,
        "TEST.RERANK.K2": 6,
        "TEST.RERANK.LAMBDA": 0.3,
    ]

    /// Why a key that is not mapped does not change the imported model (first matching prefix).
    static let ignoredReasons: [(prefix: String, reason: String)] = [
        ("MODEL.DEVICE", "the device FastReID ran on"),
        ("MODEL.FREEZE_LAYERS", "training only"),
        ("MODEL.QUEUE_SIZE", "MoCo's training queue"),
        ("MODEL.BACKBONE.PRETRAIN", "ImageNet initialisation before training; the checkpoint holds the trained weights"),
        ("MODEL.BACKBONE.", "used by FastReID's ViT backbone only"),
        ("MODEL.HEADS.NECK_FEAT", "picks the feature metric losses train on; FastReID's eval returns the post-neck feature, which the import keeps (neck_feat after)"),
        ("MODEL.LOSSES.", "losses (training only)"),
        ("MODEL.WEIGHTS", "the weights come from the imported checkpoint"),
        ("KD.", "FastReID's distillation (training only)"),
        ("INPUT.SIZE_TRAIN", "training size; the import sets INPUT.SIZE_TRAIN to INPUT.SIZE_TEST"),
        ("INPUT.CROP.", "used only when INPUT.CROP.ENABLED"),
        ("INPUT.", "training augmentation"),
        ("DATASETS.", "FastReID's datasets (a ReidKD run names its own)"),
        ("DATALOADER.", "training data loading"),
        ("SOLVER.", "training schedule and optimiser"),
        ("TEST.EVAL_PERIOD", "training-time evaluation period"),
        ("TEST.IMS_PER_BATCH", "evaluation batch size (no effect on results)"),
        ("TEST.ROC.", "FastReID's ROC report"),
        ("TEST.AQE.", "query expansion; reidkd eval does not apply it"),
        ("TEST.PRECISE_BN.", "training-time BN recalibration"),
        ("OUTPUT_DIR", "FastReID's output folder"),
        ("CUDNN_BENCHMARK", "a cuDNN setting"),
    ]

    /// Every key of FastReID 1.4's defaults.py.
    static let known: Set<String> = [
        "CUDNN_BENCHMARK", "DATALOADER.NUM_INSTANCE", "DATALOADER.NUM_WORKERS", "DATALOADER.SAMPLER_TRAIN", "DATALOADER.SET_WEIGHT",
        "DATASETS.COMBINEALL", "DATASETS.NAMES", "DATASETS.TESTS", "INPUT.AFFINE.ENABLED", "INPUT.AUGMIX.ENABLED", "INPUT.AUGMIX.PROB",
        "INPUT.AUTOAUG.ENABLED", "INPUT.AUTOAUG.PROB", "INPUT.CJ.BRIGHTNESS", "INPUT.CJ.CONTRAST", "INPUT.CJ.ENABLED", "INPUT.CJ.HUE",
        "INPUT.CJ.PROB", "INPUT.CJ.SATURATION", "INPUT.CROP.ENABLED", "INPUT.CROP.RATIO", "INPUT.CROP.SCALE", "INPUT.CROP.SIZE",
        "INPUT.FLIP.ENABLED", "INPUT.FLIP.PROB", "INPUT.PADDING.ENABLED", "INPUT.PADDING.MODE", "INPUT.PADDING.SIZE", "INPUT.REA.ENABLED",
        "INPUT.REA.PROB", "INPUT.REA.VALUE", "INPUT.RPT.ENABLED", "INPUT.RPT.PROB", "INPUT.SIZE_TEST", "INPUT.SIZE_TRAIN", "KD.EMA.ENABLED",
        "KD.EMA.MOMENTUM", "KD.MODEL_CONFIG", "KD.MODEL_WEIGHTS", "MODEL.BACKBONE.ATT_DROP_RATE", "MODEL.BACKBONE.DEPTH",
        "MODEL.BACKBONE.DROP_PATH_RATIO", "MODEL.BACKBONE.DROP_RATIO", "MODEL.BACKBONE.FEAT_DIM", "MODEL.BACKBONE.LAST_STRIDE",
        "MODEL.BACKBONE.NAME", "MODEL.BACKBONE.NORM", "MODEL.BACKBONE.PRETRAIN", "MODEL.BACKBONE.PRETRAIN_PATH", "MODEL.BACKBONE.SIE_COE",
        "MODEL.BACKBONE.STRIDE_SIZE", "MODEL.BACKBONE.WITH_IBN", "MODEL.BACKBONE.WITH_NL", "MODEL.BACKBONE.WITH_SE", "MODEL.DEVICE",
        "MODEL.FREEZE_LAYERS", "MODEL.HEADS.CLS_LAYER", "MODEL.HEADS.EMBEDDING_DIM", "MODEL.HEADS.MARGIN", "MODEL.HEADS.NAME",
        "MODEL.HEADS.NECK_FEAT", "MODEL.HEADS.NORM", "MODEL.HEADS.NUM_CLASSES", "MODEL.HEADS.POOL_LAYER", "MODEL.HEADS.SCALE",
        "MODEL.HEADS.WITH_BNNECK", "MODEL.LOSSES.CE.ALPHA", "MODEL.LOSSES.CE.EPSILON", "MODEL.LOSSES.CE.SCALE", "MODEL.LOSSES.CIRCLE.GAMMA",
        "MODEL.LOSSES.CIRCLE.MARGIN", "MODEL.LOSSES.CIRCLE.SCALE", "MODEL.LOSSES.COSFACE.GAMMA", "MODEL.LOSSES.COSFACE.MARGIN",
        "MODEL.LOSSES.COSFACE.SCALE", "MODEL.LOSSES.FL.ALPHA", "MODEL.LOSSES.FL.GAMMA", "MODEL.LOSSES.FL.SCALE", "MODEL.LOSSES.NAME",
        "MODEL.LOSSES.TRI.HARD_MINING", "MODEL.LOSSES.TRI.MARGIN", "MODEL.LOSSES.TRI.NORM_FEAT", "MODEL.LOSSES.TRI.SCALE",
        "MODEL.META_ARCHITECTURE", "MODEL.PIXEL_MEAN", "MODEL.PIXEL_STD", "MODEL.QUEUE_SIZE", "MODEL.WEIGHTS", "OUTPUT_DIR",
        "SOLVER.AMP.ENABLED", "SOLVER.BASE_LR", "SOLVER.BIAS_LR_FACTOR", "SOLVER.CHECKPOINT_PERIOD", "SOLVER.CLIP_GRADIENTS.CLIP_TYPE",
        "SOLVER.CLIP_GRADIENTS.CLIP_VALUE", "SOLVER.CLIP_GRADIENTS.ENABLED", "SOLVER.CLIP_GRADIENTS.NORM_TYPE", "SOLVER.DELAY_EPOCHS",
        "SOLVER.ETA_MIN_LR", "SOLVER.FREEZE_ITERS", "SOLVER.GAMMA", "SOLVER.HEADS_LR_FACTOR", "SOLVER.IMS_PER_BATCH", "SOLVER.MAX_EPOCH",
        "SOLVER.MOMENTUM", "SOLVER.NESTEROV", "SOLVER.OPT", "SOLVER.SCHED", "SOLVER.STEPS", "SOLVER.WARMUP_FACTOR", "SOLVER.WARMUP_ITERS",
        "SOLVER.WARMUP_METHOD", "SOLVER.WEIGHT_DECAY", "SOLVER.WEIGHT_DECAY_BIAS", "SOLVER.WEIGHT_DECAY_NORM", "TEST.AQE.ALPHA",
        "TEST.AQE.ENABLED", "TEST.AQE.QE_K", "TEST.AQE.QE_TIME", "TEST.EVAL_PERIOD", "TEST.FLIP.ENABLED", "TEST.IMS_PER_BATCH",
        "TEST.METRIC", "TEST.PRECISE_BN.DATASET", "TEST.PRECISE_BN.ENABLED", "TEST.PRECISE_BN.NUM_ITER", "TEST.RERANK.ENABLED",
        "TEST.RERANK.K1", "TEST.RERANK.K2", "TEST.RERANK.LAMBDA", "TEST.ROC.ENABLED",
    ]

    static func ignoredReason(_ key: String) -> String? {
        guard known.contains(key), defaults[key] == nil else { return nil }
        return ignoredReasons.first { key == $0.prefix || ($0.prefix.hasSuffix(".") && key.hasPrefix($0.prefix)) || key.hasPrefix($0.prefix) }?.reason
    }
}
