"""Regenerate reference_outputs.json: the scores the real vaderSentiment 3.3.2 gives.

    pip download vaderSentiment==3.3.2 --no-deps && unzip vaderSentiment-3.3.2-py2.py3-none-any.whl
    PYTHONPATH=. python3 make_reference.py > reference_outputs.json

The first groups are the examples of vaderSentiment.py's `__main__` block (the same ones as its
README); the last group is ours: customer-service sentences and edge cases of the rules.
"""
import json
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

PUBLISHED = [
    # __main__: typical examples
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    # __main__: tricky sentences
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.",
    "Without a doubt, an excellent idea.",
    # __main__: the movie-review paragraph, whole and in the sentences nltk splits it into
    "It was one of the worst movies I've seen, despite good reviews. Unbelievably bad acting!! "
    "Poor direction. VERY poor production. The movie was bad. Very bad movie. VERY BAD movie!",
    "It was one of the worst movies I've seen, despite good reviews.",
    "Unbelievably bad acting!!",
    "Poor direction.",
    "VERY poor production.",
    "The movie was bad.",
    "Very bad movie.",
    "VERY BAD movie!",
    # __main__: image/video tags
    "balloons", "cake", "candles", "happy birthday", "friends", "laughing", "smiling", "party",
    "riot", "fire", "fight", "blood", "mob", "war", "police", "tear gas",
    # __main__: the English one of the non-English demo
    "I'm surprised to see just how amazingly helpful VADER is!",
]

OURS = [
    # complaints
    "This is the third time I have asked and nobody has replied. Completely unacceptable.",
    "I am extremely disappointed with the service we received this month.",
    "Your team missed the deadline again and we lost a client because of it!!!",
    "The report was wrong, late and nobody apologised.",
    "Honestly, I expected much better from you.",
    "We are not happy. Not happy at all.",
    "The invoice is WRONG and I want it fixed TODAY.",
    "Why does this keep happening???",
    "Why does this keep happening????",
    "This is a disaster. Please call me.",
    "I have been waiting for two weeks without any update, which is frustrating.",
    "The new dashboard is useless and slow.",
    "It's not terrible, but it's not good either.",
    "I'm sorry to say the work was poor.",
    "Frankly the quality has dropped and I am considering other agencies.",
    "The data was incomplete and the charts were misleading.",
    "Nobody told us about the price increase. That is not ok.",
    "Yeah right, like that will ever work.",
    "This new release is the kiss of death for our launch.",
    "Your support is a joke 😡",
    "I hate having to chase you for answers 😤",
    # praise
    "Thank you so much, the team did a wonderful job!",
    "Great work, really appreciate the quick turnaround :)",
    "Brilliant! Exactly what we needed.",
    "The report was excellent and very well presented.",
    "We love the new design 😍😍",
    "Priya was extremely helpful and patient with us.",
    "Best agency we have worked with, hands down.",
    "Thanks, that was quick and helpful.",
    "You guys are the bomb!",
    "This service is to die for.",
    "Super happy with the results :D",
    "Not bad, not bad at all!",
    "It's kind of good, I suppose.",
    "It is sort of nice.",
    "The work was barely acceptable.",
    "The work was hardly great.",
    "I never said it was bad.",
    "It was never so good.",
    "No problem at all, happy to help.",
    "There is no doubt this is good work.",
    "no good, no fun, no help",
    # mixed
    "The design is lovely, but the site is slow and buggy.",
    "The team was friendly but the delivery was late.",
    "Good idea, but poor execution, but nice people.",
    "I like the content but not the layout.",
    "Delivery was late; still, the quality was great.",
    "Good good good but bad bad bad",
    "Great, great, great... but it broke again.",
    "I don't love it, but I don't hate it.",
    "The project is at least compelling, at very least interesting.",
    "least good of all",
    "The least helpful reply I have ever had.",
    # style, punctuation and tokenisation edge cases
    "GREAT",
    "GREAT job",
    "great JOB",
    "ALL CAPS IS NOT ANGRY",
    "Really REALLY good!",
    "It is VERY good but VERY late",
    "Sad :( but ok :-)",
    "...wonderful...",
    "good,bad",
    "\"Excellent,\" she said.",
    "ok?",
    "Is it good??",
    "Fine!!!!!!",
    "No.",
    "",
    "   ",
    "Merci beaucoup, c'est très bien! 👍",
    "Спасибо, отлично 😊",
    "ありがとう 🙏 great",
    "😀😀😀",
    "x😀y",
    "Wow💯so good",
    "It isn't horrible.",
    "It wasnt horrible",
    "can't complain",
    "not the worst, not the best",
    "kind of awful",
    "kinda of awful",
    "The bus stop was nice",
    "That was the bomb",
    "he is a badass",
    "beating heart",
    "so so good",
    "never this bad",
    "without doubt excellent",
    "Thanks!! Truly grateful :) but the bill is wrong :(",
    "Ǆenan was HAPPY",
]


def main():
    analyzer = SentimentIntensityAnalyzer()
    rows = []
    for group, texts in (("published", PUBLISHED), ("ours", OURS)):
        for text in texts:
            scores = analyzer.polarity_scores(text)
            rows.append({"group": group, "text": text, **scores})
    json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
