"""The built-in courses, one folder each, written against :mod:`gradcheck.course` like any external course.

* ``notes``: the guided notes' network (``welch``, ``welch_reg``): rows are examples, no biases.
* ``coursera``: the Coursera L-layer network (``deep``) and its gradient-checking pair: columns are examples.
* ``scalars``: the scalar chains and the scalar net of the seed threads (``chain``, ``chain2``, ``scalar_net``).

Each folder reads top to bottom like its notes: ``model.py`` (the network and its shape table), the
worked examples (``__init__.py``, data in ``fixtures/cases``), ``conventions.py`` (the code students
write), ``mistakes.py`` (the catalog and the localisation steps), ``strategy.py`` (Hypothesis), and
``structured.py`` where the network's structure makes differences cheaper. A course folder imports
only the protocol (:mod:`gradcheck.course`, :mod:`gradcheck.case`, :mod:`gradcheck.draw`) and the
student-code helpers of :mod:`gradcheck.students.implementation`.
"""
