"""A small English text written for this course (CC0), used to train a tiny GPT on a CPU.

Smoke runs (SMOKE=1) train on it so that a notebook needs neither a download nor this
repository: it is inlined into the notebook. Real runs use TinyShakespeare or FineWeb-Edu.
"""

SMOKE_TEXT = """\
The Clockmaker of Low Street

In the town by the river there was a clockmaker who kept a shop on Low Street. The shop was
narrow and deep, and every wall was covered with clocks. Some were tall and made of dark wood,
some were small and made of brass, and one was painted blue with white stars. Every clock in the
shop told a slightly different time, and the clockmaker liked it that way. He said that a room
full of clocks that all agree is a room where nobody is listening.

Each morning he opened the shutters, swept the floor, and wound the clocks one by one. He began
with the tall clock by the door and ended with the small clock on his bench. Winding them took
most of an hour. While he worked he talked to the clocks, not because he thought they could hear
him, but because talking helped him think. He asked the tall clock whether it had slept well. He
told the small clock that it was running fast again. He reminded the blue clock that it was the
only one with stars, and that stars were no excuse for losing four minutes a day.

People came to the shop with all kinds of clocks. A farmer brought a clock that had fallen from
a shelf. A teacher brought a watch that stopped whenever it rained. A girl brought a clock that
her grandmother had carried across the sea, wrapped in a coat. The clockmaker listened to each
story before he opened the case. He said that the story told him where to look. A clock that
had fallen needed its pins checked. A watch that stopped in the rain needed a better seal. A
clock that had crossed the sea needed patience, because salt air gets into everything.

The clockmaker had an apprentice named Ada. She was quick with her hands and slow to speak,
which he thought was the right way round. On her first day he gave her a broken clock and a
cloth and told her to learn its parts before she learned its faults. She took the clock apart on
the bench, laid each piece on the cloth in the order it came out, and drew a small picture of
each one in a notebook. When she had finished she put it back together. It still did not work,
but now she knew why. One tooth on one wheel had been worn flat. She showed him the wheel, and
he nodded, and that was the end of her first lesson.

The second lesson was about the spring. A clock runs on a coiled spring that slowly unwinds, and
the whole art of the clock is to make that unwinding slow and even. Left to itself the spring
would let go all at once. The escapement stops it, lets it move a little, and stops it again,
many times a minute. Ada listened to the tick of the escapement and said it sounded like a
heart. The clockmaker said that it was better than a heart, because you could open it and look.

The third lesson was about error. No clock is perfect, he told her. Every clock drifts, a little
fast or a little slow, and a good clockmaker does not pretend otherwise. He measures the drift,
writes it down, and corrects for it. He showed her the ledger where he kept a line for every
clock in the shop: the date, the time it showed, the true time from the station, and the
difference. Over weeks the differences made a pattern, and from the pattern he could tell which
clocks needed cleaning, which needed oil, and which were simply growing old.

Ada asked how he knew the true time. He said that nobody knows the true time; we only know the
time that many careful people agree on. Every day at noon the station by the river rang a bell,
and the bell was set by a signal that came along the wire from the city, and the city set its
signal by watching the stars. So the clocks in the shop were checked against the bell, and the
bell against the wire, and the wire against the sky. Each step could be wrong, he said, but each
step could also be checked, and that was what made the whole chain worth trusting.

In winter the river froze and the town grew quiet. Fewer people came to the shop, and the
clockmaker used the time to build something new. He had an idea for a clock that would show not
only the hour but also the tide, so that the fishermen could tell at a glance when the boats
could leave the harbour. The tide does not follow the sun; it follows the moon, and the moon
keeps its own schedule. To show both on one face he needed two trains of wheels that turned at
different rates, and a way to join them so that neither one disturbed the other.

He and Ada worked on the tide clock all winter. They cut wheels from brass and filed every tooth
by hand. They tested each wheel against a gauge and threw away the ones that were wrong. Ada
kept the notebook: how many teeth, what size, which wheel turned which. When the two trains were
finished they set them running side by side and watched for a week. The hour hand kept good time.
The tide hand wandered. Ada checked her notebook and found that one wheel had one tooth too few.
They cut a new wheel, and after that the tide hand kept pace with the harbour.

In spring the fishermen came to see the clock. They stood in the narrow shop and looked at the
blue face with its two hands, one for the sun and one for the moon. An old fisherman said that
he had never needed a clock to know the tide, because he could smell it. The clockmaker laughed
and said that the clock was not for him but for his grandchildren, who might not have his nose.
The fisherman thought about this and then asked what the clock would cost. They agreed on a
price, and the tide clock went to hang in the harbour office, where it kept time for many years.

After the tide clock, people began to bring the clockmaker stranger requests. A baker wanted a
clock that would ring when the bread was ready. A teacher wanted a clock that would count down
the minutes of an exam. A doctor wanted a small clock that could time a pulse. The clockmaker
said yes to most of them and no to a few. He said no to a man who wanted a clock that would run
backwards, because he could not see the use of it, and he said no to a woman who wanted a clock
that would never need winding, because he did not believe such a thing could be built, and he
did not want to take her money for a promise he could not keep.

Ada grew more skilled every year. She learned to hear a fault before she saw it, and to feel
through the key whether a spring was tired. She learned that most broken clocks are not broken
in one place but in several small ways at once, and that the order in which you fix them
matters. Clean first, then oil, then adjust, she wrote in the notebook, and underlined it twice.
She also learned when to stop. A clock that has been adjusted too many times forgets what it was
meant to do, the clockmaker said. Leave it alone for a day and see what it tells you.

One evening a stranger came into the shop just before closing. He carried a leather case, and
inside the case was a clock unlike any they had seen. It had no hands. Instead, a row of small
windows showed numbers that changed as the clock ran. The stranger said it was a new kind of
clock from the city, and that soon every house would have one. He asked whether the clockmaker
wanted to buy the design. The clockmaker looked at it for a long time. Then he asked if he could
open it. The stranger hesitated, and then agreed. Inside there was a spring and an escapement,
just like the clocks on the walls, and a clever set of wheels that turned the number drums.

The clockmaker closed the case and handed it back. He said that it was a fine clock, and that
the city was right, people would like it. But he said that he would keep making the clocks he
knew, because he could repair them, and because his customers could look inside them and
understand what they saw. The stranger shrugged and went on his way. Ada asked later whether
that had been wise. The clockmaker said that he did not know, and that she would have to decide
for herself one day, when the shop was hers.

Years passed. The clockmaker grew old and his hands grew slow, and Ada did more and more of the
work. She kept the ledger as he had, a line for every clock, the time it showed and the true
time and the difference. She added a column of her own for notes: what she had changed, and
why. When a clock came back, she could read its whole history on one page. She said that a
repair you cannot explain is only luck, and luck does not keep time.

When the clockmaker died, the town closed its shops for an afternoon, and the bell at the
station rang at noon as it always did. Ada opened the shop the next morning. She swept the floor,
opened the shutters, and wound the clocks one by one, beginning with the tall clock by the door
and ending with the small clock on the bench. She talked to them as she worked. She told the
blue clock that it was still losing four minutes a day, and that stars were still no excuse.

Ada ran the shop for many years. She took apprentices of her own, and on each one's first day
she gave them a broken clock and a cloth and told them to learn its parts before its faults. She
taught them the spring and the escapement, the ledger and the bell. She taught them to measure
the drift and write it down, to check each step of the chain, and to say no to a promise they
could not keep. And when they asked her how she knew the true time, she told them what she had
been told: that nobody knows it alone, but many careful people, checking one another, can come
close enough to set a clock by.
"""
