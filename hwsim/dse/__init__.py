"""Design-space exploration over result tables: sweeps, their stores, Pareto fronts and hypervolume.

Nothing is imported here on purpose: each module pulls in its own optional libraries (the ``dse``
extra) only when it is used, so ``import hwsim.dse.<module>`` costs that module alone.
"""
