package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class AamiClassTest {

    @Test
    void mapsBeatSymbolsAsBeatGanDoes() {
        assertGroup(AamiClass.N, "N", "L", "R");
        assertGroup(AamiClass.S, "a", "J", "A", "S", "j", "e");
        assertGroup(AamiClass.V, "V", "E");
        assertGroup(AamiClass.F, "F");
        assertGroup(AamiClass.Q, "/", "f", "Q");
    }

    @Test
    void nonBeatSymbolsAreIgnored() {
        for (String s : new String[] {"+", "~", "|", "!", "x", "\"", "[", "]", "p", "t", "B", "n", "r", "?", " "}) {
            assertEquals(Optional.empty(), AamiClass.fromSymbol(s), s);
        }
    }

    @Test
    void onlyNormalBeatsAreNotAnomalies() {
        assertFalse(AamiClass.N.isAnomaly());
        for (AamiClass c : AamiClass.values()) {
            if (c != AamiClass.N) {
                assertTrue(c.isAnomaly(), c.name());
            }
        }
        assertEquals(5, AamiClass.AAMI.size());
    }

    private static void assertGroup(AamiClass c, String... symbols) {
        for (String s : symbols) {
            assertEquals(Optional.of(c), AamiClass.fromSymbol(s), s);
        }
    }
}
