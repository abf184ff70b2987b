package io.specprefill.job.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Expected tokens are what Python jieba 0.42.1's {@code list(jieba.cut(text))} returns. */
class JiebaCutTest {
    private static JiebaCut jieba;

    @BeforeAll
    static void load() {
        jieba = JiebaCut.load();
    }

    @Test
    void dictionaryWords() {
        assertEquals(List.of("我", "来到", "北京", "清华大学"), jieba.cut("我来到北京清华大学"));
        assertEquals(List.of("T恤", "和", "B超"), jieba.cut("T恤和B超"));
    }

    @Test
    void hmmForUnknownWords() {
        assertEquals(List.of("小明", "硕士", "毕业", "于", "中国科学院", "计算所", "，", "后", "在", "日本京都大学", "深造"),
                jieba.cut("小明硕士毕业于中国科学院计算所，后在日本京都大学深造"));
    }

    @Test
    void latinDigitsWhitespaceAndOtherCharacters() {
        assertEquals(List.of("他", "说", ":", " ", "Hello", " ", "World", " ", "3.5%", " ", "Ａ", "Ｂ", "Ｃ", "\r\n", "好", "的"),
                jieba.cut("他说: Hello World 3.5% ＡＢＣ\r\n好的"));
        assertEquals(List.of("abc.5", " ", "x2.50%", " ", "100%"), jieba.cut("abc.5 x2.50% 100%"));
        assertEquals(List.of(" ", " ", " ", "空格", "　", "全角"), jieba.cut("   空格　全角"));
    }

    @Test
    void supplementaryCharactersStayWhole() {
        assertEquals(List.of("𠀀", "𠀁", "的", "㐀", "测试"), jieba.cut("𠀀𠀁的㐀测试"));
    }
}
