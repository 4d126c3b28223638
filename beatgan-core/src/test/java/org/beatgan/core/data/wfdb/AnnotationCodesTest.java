package org.beatgan.core.data.wfdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AnnotationCodesTest {

    @Test
    void matchesWfdbEcgcodesTable() {
        String[] expected = {" ", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "[15]", "|",
            "[17]", "s", "T", "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n", "@",
            "x", "f", "(", ")", "r", "[42]", "[43]", "[44]", "[45]", "[46]", "[47]", "[48]", "[49]"};
        for (int c = 0; c <= AnnotationCodes.ACMAX; c++) {
            assertEquals(expected[c], AnnotationCodes.symbol(c), "code " + c);
        }
        assertEquals(AnnotationCodes.RONT, AnnotationCodes.code("r"));
        assertEquals(AnnotationCodes.PFUS, AnnotationCodes.code("f"));
        assertEquals(-1, AnnotationCodes.code("Z"));
        assertThrows(IllegalArgumentException.class, () -> AnnotationCodes.symbol(50));
    }
}
