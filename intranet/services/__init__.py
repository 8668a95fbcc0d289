"""Operations that change state: the only code that commits."""
