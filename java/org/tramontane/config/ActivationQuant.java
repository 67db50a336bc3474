package org.tramontane.config;

/** What a quantized linear does with its float input at run time. */
public enum ActivationQuant {
    /** Input kept float; the int8 weight is dequantized per output channel (W8A16). */
    NONE(0),
    /** Input quantized per token row (absmax / 127, round half away from zero) before an
     *  int8 x int8 -> int32 product, dequantized in the epilogue (W8A8 dynamic). */
    INT8_PER_TOKEN(1);

    /** Code shared with native/cpu (tn_linear_weight.act_quant). */
    public final int code;

    ActivationQuant(int code) {
        this.code = code;
    }
}
