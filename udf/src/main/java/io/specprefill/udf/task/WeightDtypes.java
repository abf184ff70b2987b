package io.specprefill.udf.task;

import io.specprefill.udf.model.WeightsDtype;

import java.io.Serializable;

/**
 * How each model's projections are held (YAML {@code draft_weights_dtype}, {@code target_weights_dtype}:
 * auto or fp8; see {@link WeightsDtype}), chosen separately: an FP8 draft scores faster, an FP8 target
 * fits a 70B-class model on one GPU. Default auto for both (BF16 on the GPU).
 */
public record WeightDtypes(WeightsDtype draft, WeightsDtype target) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final WeightDtypes AUTO = new WeightDtypes(WeightsDtype.AUTO, WeightsDtype.AUTO);

    public WeightDtypes {
        if (draft == null) draft = WeightsDtype.AUTO;
        if (target == null) target = WeightsDtype.AUTO;
    }

    /** From the YAML values (null: auto); a bad value names its key. */
    public static WeightDtypes parse(String draft, String target) {
        return new WeightDtypes(WeightsDtype.parse(draft, "draft_weights_dtype"),
                WeightsDtype.parse(target, "target_weights_dtype"));
    }
}
