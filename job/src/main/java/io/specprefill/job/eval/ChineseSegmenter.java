package io.specprefill.job.eval;

import java.util.List;

/**
 * Word segmentation for Chinese metrics: {@code list(jieba.cut(text, cut_all=False))} in the
 * official scorer. Tokens concatenate back to the input (whitespace runs are tokens too).
 */
@FunctionalInterface
public interface ChineseSegmenter {
    List<String> cut(String text);
}
